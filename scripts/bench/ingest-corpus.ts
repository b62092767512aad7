import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { DETECT_HEAD_BYTES, detectDocumentType } from "../../src/pipeline/detect.js";
import { resolveContainerType } from "../../src/pipeline/parse/parse-buffer.js";
import { defaultParseLimits } from "../../src/pipeline/parse/types.js";
import { sharedCorpusDir } from "../../src/pipeline/testing/shared-corpus.js";
import type { UploadSource } from "../../test/support/http-upload.js";

export interface CorpusDoc extends UploadSource {
  body: Uint8Array;
  /** The type intake detects, e.g. pdf or eml. */
  type: string;
}

/**
 * Real documents for the ingest case: the shared corpus's files that intake's own detection
 * accepts, in path order, at most `maxBytes` each. Left out: what intake refuses (xls, ppt,
 * archives, binaries), images (OCR has its own case and would dominate the clock), empty files,
 * and repeated contents (a repeat would reuse the first's outputs instead of being processed).
 * Declared as application/octet-stream, so detection decides, as for a client that does not know.
 */
export async function corpusDocs(opts: { maxBytes: number }): Promise<CorpusDoc[]> {
  const root = sharedCorpusDir();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  const seen = new Set<string>();
  const docs: CorpusDoc[] = [];
  for (const file of files) {
    const body = new Uint8Array(await readFile(file));
    if (body.byteLength === 0 || body.byteLength > opts.maxBytes) continue;
    const sha = createHash("sha256").update(body).digest("hex");
    if (seen.has(sha)) continue;
    const filename = path.basename(file);
    let type: string;
    try {
      const detected = detectDocumentType({
        head: body.subarray(0, DETECT_HEAD_BYTES),
        declaredContentType: "application/octet-stream",
        filename,
      });
      type = resolveContainerType(detected, body, defaultParseLimits);
    } catch {
      continue;
    }
    if (type === "image") continue;
    seen.add(sha);
    docs.push({ filename, contentType: "application/octet-stream", body, type });
  }
  return docs;
}
