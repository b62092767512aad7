import { CUT_LOOKAHEAD, chooseCut, estimateTokens, overlapStart } from "./chunk-boundaries.js";
import type { PageSpan } from "./parse/types.js";

export interface Chunk {
  seq: number;
  text: string;
  /** UTF-16 offsets into the whole text; `text === fullText.slice(start, end)`. */
  start: number;
  end: number;
  /** The page holding the chunk's start (or the first page inside it); null without pages. */
  page: number | null;
  /** An estimate, see `estimateTokens`. */
  tokenCount: number;
}

export interface ChunkOptions {
  /** Maximum chunk length in characters (UTF-16 code units). */
  size: number;
  /** Maximum characters shared by consecutive chunks; smaller than `size`. */
  overlap: number;
  pages?: PageSpan[];
}

/**
 * Splits streamed text into chunks of at most `size` characters, preferring to cut before a
 * Markdown heading, then at blank lines, line breaks, sentence ends and spaces, and cutting hard
 * only inside a long unbroken run. Chunks cover the whole text and consecutive ones overlap by at
 * most `overlap`. Holds only about two chunk sizes of text plus the current input piece.
 *
 * @example
 * for await (const chunk of chunkText(pieces, { size: 1000, overlap: 100 })) save(chunk);
 */
export async function* chunkText(
  source: AsyncIterable<string>,
  options: ChunkOptions,
): AsyncGenerator<Chunk> {
  validateChunkOptions(options);
  const { size, overlap } = options;
  // Chunks shorter than this are only made at the end of the text; the bound also guarantees that
  // each chunk starts after the previous one.
  const minLength = Math.max(overlap + 1, Math.ceil(size / 4));
  const locatePage = pageLocator(options.pages ?? []);
  const input = source[Symbol.asyncIterator]();
  let buffer = "";
  let bufferStart = 0;
  let start = 0;
  let ended = false;

  for (let seq = 0; ; seq++) {
    while (!ended && bufferStart + buffer.length < start + size + CUT_LOOKAHEAD) {
      const next = await input.next();
      if (next.done) ended = true;
      else buffer += next.value;
    }
    const bufferEnd = bufferStart + buffer.length;
    if (bufferEnd <= start) return;
    const local = start - bufferStart;
    const end =
      ended && bufferEnd - start <= size ? bufferEnd : start + chooseCut(buffer, local, size, minLength);
    const text = buffer.slice(local, end - bufferStart);
    yield { seq, text, start, end, page: locatePage(start, end), tokenCount: estimateTokens(text) };
    if (end === bufferEnd && ended) return;

    start = bufferStart + overlapStart(buffer, end - bufferStart, overlap);
    if (start - bufferStart > size) {
      buffer = buffer.slice(start - bufferStart);
      bufferStart = start;
    }
  }
}

export function validateChunkOptions(options: ChunkOptions): void {
  const { size, overlap } = options;
  if (!Number.isInteger(size) || size <= 0)
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  if (!Number.isInteger(overlap) || overlap < 0) {
    throw new RangeError(`chunk overlap must be a non-negative integer, got ${overlap}`);
  }
  if (overlap >= size)
    throw new RangeError(`chunk overlap (${overlap}) must be smaller than chunk size (${size})`);
}

function pageLocator(pages: PageSpan[]): (start: number, end: number) => number | null {
  const sorted = [...pages].sort((a, b) => a.start - b.start);
  let index = 0;
  // Chunk starts only increase, so the search resumes where the previous one stopped.
  return (start, end) => {
    while (index < sorted.length && (sorted[index]?.end ?? 0) <= start) index += 1;
    const page = sorted[index];
    return page && page.start < end ? page.page : null;
  };
}
