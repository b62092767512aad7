import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";

/**
 * The body of an `aws-chunked` upload: `<hex size>[;ext]\r\n<bytes>\r\n` repeated, a zero-size
 * chunk, then `name:value` trailers. The SDK sends this (STREAMING-UNSIGNED-PAYLOAD-TRAILER with
 * an x-amz-checksum-crc32 trailer) for a stream of known length whenever a flexible checksum is
 * computed, which S3Client does by default (requestChecksumCalculation WHEN_SUPPORTED).
 * Null when the framing is broken.
 */
export function decodeAwsChunked(
  raw: Uint8Array,
): { body: Uint8Array; trailers: Map<string, string> } | null {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf("\r\n", pos);
    if (eol < 0) return null;
    const size = Number.parseInt(buf.subarray(pos, eol).toString("latin1").split(";")[0] ?? "", 16);
    if (!Number.isInteger(size) || size < 0) return null;
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size + 2 > buf.length || buf.toString("latin1", pos + size, pos + size + 2) !== "\r\n")
      return null;
    parts.push(buf.subarray(pos, pos + size));
    pos += size + 2;
  }
  const trailers = new Map<string, string>();
  for (const line of buf.subarray(pos).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { body: new Uint8Array(Buffer.concat(parts)), trailers };
}

/** Whether a checksum trailer (or header) the server can compute matches the body; unknown algorithms pass. */
export function checksumMatches(name: string, value: string, body: Uint8Array): boolean {
  if (name === "x-amz-checksum-sha256") return createHash("sha256").update(body).digest("base64") === value;
  if (name === "x-amz-checksum-crc32") {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(crc32(body));
    return b.toString("base64") === value;
  }
  return true;
}
