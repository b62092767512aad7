import { PipelineError } from "../errors.js";

// Progress is reported at most once per this many bytes so a small-chunked stream does not flood
// the caller (which may publish each report as a job event).
const PROGRESS_EVERY_BYTES = 1024 * 1024;

/** A byte stream whose reader may hand a chunk back once it has copied the chunk out. */
export interface ChunkSource extends AsyncIterable<Uint8Array> {
  /** `chunk`, as yielded, is not read again: the source may reuse its memory. */
  recycle?(chunk: Uint8Array): void;
}

/**
 * A single-use view over the caller's byte stream that counts what was read, reports progress
 * and lets the first bytes be peeked at for type detection without losing them.
 */
export class ByteSource implements ChunkSource {
  bytesRead = 0;
  #source: ChunkSource;
  #iterator: AsyncIterator<Uint8Array>;
  #replay: Uint8Array[] = [];
  #lastReported = 0;

  constructor(
    source: ChunkSource,
    private readonly onBytes?: (bytesRead: number) => void,
  ) {
    this.#source = source;
    this.#iterator = source[Symbol.asyncIterator]();
  }

  recycle(chunk: Uint8Array): void {
    this.#source.recycle?.(chunk);
  }

  /**
   * Reads until at least `bytes` bytes are buffered or the stream ends; returns a copy of them,
   * joined (a copy, so that it outlives the chunks being recycled).
   */
  async peek(bytes: number): Promise<Uint8Array> {
    let buffered = this.#replay.reduce((sum, chunk) => sum + chunk.length, 0);
    while (buffered < bytes) {
      const chunk = await this.#pull();
      if (!chunk) break;
      this.#replay.push(chunk);
      buffered += chunk.length;
    }
    return copyInto(this.#replay, buffered).subarray(0, bytes);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    let finished = false;
    try {
      while (this.#replay.length > 0) {
        const chunk = this.#replay.shift();
        if (chunk) yield chunk;
      }
      for (let chunk = await this.#pull(); chunk; chunk = await this.#pull()) yield chunk;
      finished = true;
      this.onBytes?.(this.bytesRead);
    } finally {
      // Stopping early (a size limit) must release the caller's stream, e.g. an S3 socket.
      if (!finished) await this.#iterator.return?.();
    }
  }

  async #pull(): Promise<Uint8Array | undefined> {
    const next = await this.#iterator.next();
    if (next.done) return undefined;
    const chunk = next.value;
    this.bytesRead += chunk.length;
    if (this.bytesRead - this.#lastReported >= PROGRESS_EVERY_BYTES) {
      this.#lastReported = this.bytesRead;
      this.onBytes?.(this.bytesRead);
    }
    return chunk;
  }
}

/**
 * Reads a whole stream into memory, failing with `too_large` as soon as more than `maxBytes`
 * arrive; the rest of the stream is never read. With `expectedBytes` (the stored object's size)
 * the bytes go straight into one buffer of that size, so a large file is not held twice, as
 * chunks and then joined; a stream that turns out longer or shorter is still read whole.
 */
export async function readAllWithLimit(
  source: ChunkSource,
  maxBytes: number,
  what: string,
  expectedBytes = 0,
): Promise<Uint8Array> {
  // Always a fresh buffer: pdf.js detaches the one it is given, which must never be the caller's
  // (Node's stream buffers share pooled memory).
  let out = new Uint8Array(Math.min(Math.max(0, expectedBytes), maxBytes));
  let total = 0;
  for await (const chunk of source) {
    if (total + chunk.length > maxBytes) throw tooLarge(what, maxBytes);
    if (total + chunk.length > out.length) {
      const grown = new Uint8Array(Math.min(maxBytes, Math.max(total + chunk.length, out.length * 2)));
      grown.set(out.subarray(0, total));
      out = grown;
    }
    out.set(chunk, total);
    total += chunk.length;
    source.recycle?.(chunk);
  }
  return total === out.length ? out : out.slice(0, total);
}

export function tooLarge(what: string, maxBytes: number): PipelineError {
  return new PipelineError("too_large", `${what} is larger than the limit of ${maxBytes} bytes`);
}

function copyInto(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Passes chunks through, failing with `too_large` as soon as more than `maxBytes` went by. */
export async function* limitBytes(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
  what: string,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge(what, maxBytes);
    yield chunk;
  }
}
