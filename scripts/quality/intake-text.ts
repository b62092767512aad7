import { createReadStream } from "node:fs";
import path from "node:path";
import { isPipelineError } from "../../src/pipeline/errors.js";
import { parseDocument } from "../../src/pipeline/parse/index.js";

export type IntakeResult =
  | { text: string; seconds: number; error?: undefined }
  | { error: string; seconds: number };

/**
 * intake's text for `file`, parsed in this process the way a worker's parse thread does it,
 * with the default limits and a declared type that says nothing (detection decides). A
 * `PipelineError` is the file's result (its code); any other error is a bug and propagates.
 */
export async function intakeText(file: { path: string; bytes: number }): Promise<IntakeResult> {
  const started = performance.now();
  const parts: string[] = [];
  const sink = { write: async (text: string) => void parts.push(text) };
  const info = {
    declaredContentType: "application/octet-stream",
    filename: path.basename(file.path),
    size: file.bytes,
  };
  try {
    await parseDocument(createReadStream(file.path), info, sink);
    return { text: parts.join(""), seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (!isPipelineError(error)) throw error;
    return { error: error.code, seconds: (performance.now() - started) / 1000 };
  }
}
