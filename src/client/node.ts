/**
 * Node additions to the SDK: upload from a file path or a readable stream. Browser code must
 * import `./index.js` instead (this module imports node:fs).
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { UploadSource } from "./source.js";
import type { UploadOptions } from "./types.js";
import { type BrowserSource, type UploadResult, upload as uploadSource } from "./upload.js";

export * from "./index.js";

/** A file on disk: parts are read by range, and its sha256 is streamed (any size is feasible). */
export async function fromPath(file: string): Promise<UploadSource> {
  const { size } = await stat(file);
  return {
    name: path.basename(file),
    size,
    type: "",
    async slice(start, end) {
      const handle = await open(file, "r");
      try {
        const buf = new Uint8Array(end - start);
        let read = 0;
        while (read < buf.byteLength) {
          const { bytesRead } = await handle.read(buf, read, buf.byteLength - read, start + read);
          if (bytesRead === 0) throw new Error(`${file} shrank while uploading`);
          read += bytesRead;
        }
        return buf;
      } finally {
        await handle.close();
      }
    },
    async sha256() {
      const hash = createHash("sha256");
      await pipeline(createReadStream(file), hash);
      return hash.digest("hex");
    },
  };
}

/**
 * Uploads a file path, a Node readable, or anything the browser `upload` takes. A readable has
 * no size up front (intake signs the size) and cannot be re-read for retries, so it is first
 * spooled to a temporary file, which is removed afterwards.
 *
 * @example await upload("report.pdf", { url, apiKey, watch: true });
 */
export async function upload(
  source: string | Readable | BrowserSource,
  opts: UploadOptions,
): Promise<UploadResult> {
  if (typeof source === "string") return uploadSource(await fromPath(source), opts);
  if (!(source instanceof Readable)) return uploadSource(source, opts);
  const dir = await mkdtemp(path.join(os.tmpdir(), "intake-upload-"));
  try {
    const file = path.join(dir, "spool");
    await pipeline(source, createWriteStream(file, { mode: 0o600 }));
    const spooled = await fromPath(file);
    return await uploadSource({ ...spooled, name: opts.filename ?? "upload.bin" }, opts);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
