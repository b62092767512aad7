import { createHash } from "node:crypto";
import type { Config } from "../config/index.js";

/** Per-job overrides of the process's pipeline settings (stored on the job by a reprocess). */
export interface PipelineOverrides {
  chunkSize?: number;
  chunkOverlap?: number;
  embedderModel?: string;
}

/** The chunking and embedding settings a job runs with: its overrides, else the process's. */
export function effectiveSettings(config: Config, overrides: PipelineOverrides | null | undefined) {
  const p = config.pipeline;
  return {
    chunkSize: overrides?.chunkSize ?? p.chunkSize,
    chunkOverlap: overrides?.chunkOverlap ?? p.chunkOverlap,
    chunkUnit: p.chunkUnit,
    embedderModel: overrides?.embedderModel ?? (p.embedder.kind === "openai" ? p.embedder.model : null),
  };
}

/**
 * A short hash of every setting that changes a job's outputs. Two uploads with the same
 * content and the same key produce the same outputs, so the second may reuse the first's.
 */
export function pipelineKey(config: Config, overrides?: PipelineOverrides | null): string {
  const p = config.pipeline;
  const s = effectiveSettings(config, overrides);
  const settings = {
    // 2: chunks carry heading paths and page ranges, and Markdown is chunked by structure.
    v: 2,
    chunkSize: s.chunkSize,
    chunkOverlap: s.chunkOverlap,
    chunkUnit: s.chunkUnit,
    embedder: p.embedder.kind,
    dimensions: p.embedDimensions,
    model: s.embedderModel,
  };
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 16);
}
