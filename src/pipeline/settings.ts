import { createHash } from "node:crypto";
import type { Config } from "../config/index.js";

/**
 * A short hash of every setting that changes a job's outputs. Two uploads with the same
 * content and the same key produce the same outputs, so the second may reuse the first's.
 */
export function pipelineKey(config: Config): string {
  const p = config.pipeline;
  const settings = {
    // 2: chunks carry heading paths and page ranges, and Markdown is chunked by structure.
    v: 2,
    chunkSize: p.chunkSize,
    chunkOverlap: p.chunkOverlap,
    chunkUnit: p.chunkUnit,
    embedder: p.embedder.kind,
    dimensions: p.embedDimensions,
    model: p.embedder.kind === "openai" ? p.embedder.model : null,
  };
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 16);
}
