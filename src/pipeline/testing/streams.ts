import type { TextSink } from "../parse/types.js";

/** Yields `bytes` in pieces of `pieceSize`, as a storage stream would. */
export async function* bytesIn(bytes: Uint8Array, pieceSize = 1024): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += pieceSize) yield bytes.slice(at, at + pieceSize);
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A sink that keeps everything written, with the number of write calls. */
export function collectingSink(): TextSink & { text(): string; writes: number } {
  const pieces: string[] = [];
  return {
    writes: 0,
    async write(text: string) {
      this.writes += 1;
      pieces.push(text);
    },
    text: () => pieces.join(""),
  };
}

export async function* stringsIn(text: string, pieceSize: number): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += pieceSize) yield text.slice(at, at + pieceSize);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Parses `bytes` as an upload named `filename`, returning the result and the text written. */
export async function parseBytes(
  bytes: Uint8Array,
  filename: string,
  declaredContentType = "application/octet-stream",
  limits: Partial<import("../parse/types.js").ParseLimits> = {},
) {
  const { parseDocument } = await import("../parse/index.js");
  const sink = collectingSink();
  const result = await parseDocument(
    bytesIn(bytes, 64 * 1024),
    { filename, declaredContentType, size: bytes.length },
    sink,
    { limits },
  );
  return { result, text: sink.text() };
}
