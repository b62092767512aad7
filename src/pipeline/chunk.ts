import { MarkdownStructure, STRUCTURE_LOOKAHEAD } from "./chunk/markdown-structure.js";
import { pageRangeLocator } from "./chunk/page-range.js";
import { StreamWindow } from "./chunk/stream-window.js";
import {
  charsHolding,
  loadTokenCounter,
  type TokenWalk,
  tokenOverlapStart,
  walkTokens,
} from "./chunk/tokens.js";
import { CUT_LOOKAHEAD, chooseCut, estimateTokens, findCut, overlapStart } from "./chunk-boundaries.js";
import type { PageSpan } from "./parse/types.js";

export interface Chunk {
  seq: number;
  /** `context` followed by the slice: `text === context + fullText.slice(start, end)`. */
  text: string;
  /** Repeated so that the chunk reads on its own: a table's header and delimiter rows when the
   * chunk starts inside the table's body, a code block's opening fence inside the block; or "". */
  context: string;
  /** UTF-16 offsets of the slice in the whole text. */
  start: number;
  end: number;
  /** The first and last page the slice touches; null without pages. */
  pageStart: number | null;
  pageEnd: number | null;
  /** The Markdown headings in effect where the chunk's text begins, outermost first; [] for plain. */
  headingPath: string[];
  /** The tokenizer's count (see `countTokens`) with unit "tokens" (`loadTokenCounter`); else an estimate, `estimateTokens`. */
  tokenCount: number;
}

export type ChunkUnit = "chars" | "tokens";

export interface ChunkOptions {
  /** Maximum chunk length (context included) in `unit`s. */
  size: number;
  /** Maximum length shared by consecutive chunks, in `unit`s; smaller than `size`. */
  overlap: number;
  /** `chars`, UTF-16 code units (the default), or `tokens` of cl100k_base. */
  unit?: ChunkUnit;
  /** `markdown` keeps tables, code blocks and headings whole where it can; `plain` is the default. */
  format?: "markdown" | "plain";
  pages?: PageSpan[];
}

/** A token needs at most 4 UTF-8 bytes' worth of one code point, so smaller sizes may not fit one. */
const MIN_TOKEN_SIZE = 16;

/**
 * Splits streamed text into chunks of at most `size` (characters or tokens), preferring to cut
 * before a Markdown heading, then at blank lines, line breaks, sentence ends and spaces, and
 * cutting hard only inside a long unbroken run. In Markdown, a cut never falls inside a table row
 * or a code block that fits in a chunk; a chunk starting inside a table repeats its header.
 * Chunks cover the whole text and consecutive ones overlap by at most `overlap`. Holds only
 * about two chunk sizes of text plus the current input piece.
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
  const countTokens = options.unit === "tokens" ? await loadTokenCounter() : null;
  const measure = countTokens ?? ((text: string) => text.length);
  const structure = options.format === "markdown" ? new MarkdownStructure() : null;
  const lookahead = structure ? STRUCTURE_LOOKAHEAD : CUT_LOOKAHEAD;
  const locatePages = pageRangeLocator(options.pages ?? []);
  const window = new StreamWindow(source);
  // Characters read ahead per token before the budget walk asks for more (English averages ~4).
  let charsPerToken = 6;

  let seq = 0;
  for (let start = 0, previousEnd = 0; ; ) {
    await window.fillTo(start + 1 + lookahead);
    structure?.advance(window.text, window.start, start);
    if (window.end <= start) return;
    let context = structure?.contextAt(start) ?? "";
    // A long header would crowd out the rows it describes, and must leave room for progress.
    if (context && measure(context) * 2 > size - overlap) context = "";
    const capacity = size - measure(context);
    const minimum = Math.max(overlap + 1, Math.ceil(capacity / 4));

    let limit: number;
    let floor: number;
    let walk: TokenWalk | undefined;
    let all: boolean;
    if (countTokens) {
      for (;;) {
        await window.fillTo(start + capacity * charsPerToken + lookahead);
        const to = window.ended ? window.end : window.end - lookahead;
        walk = walkTokens(countTokens, window.text, window.start, start, to, capacity, window.ended);
        if (!walk.reachedEnd || window.ended) break;
        charsPerToken *= 2;
      }
      all = walk.reachedEnd;
      limit = walk.fits;
      floor = charsHolding(walk, overlap + 1);
    } else {
      await window.fillTo(start + capacity + lookahead);
      all = window.ended && window.end - start <= capacity;
      limit = capacity;
      floor = overlap + 1;
    }
    const least = walk ? charsHolding(walk, minimum) : minimum;
    structure?.advance(window.text, window.start, start + limit);

    let end = all ? window.end : start + pickCut(window, structure, start, limit, least, floor);
    if (end <= previousEnd) {
      // Nothing new fits before a block that does not fit after the overlap (a code block, a
      // table's first row): drop the overlap and start at the block instead of splitting it.
      start = end;
      continue;
    }
    let text = context + window.slice(start, end);
    let tokenCount = countTokens ? countTokens(text) : estimateTokens(text);
    // The walk's word-by-word sum can be a token short of the exact count: cut earlier until it fits.
    while (countTokens && tokenCount > size && end - start > 2) {
      all = false;
      limit = end - start - 1;
      end = start + pickCut(window, structure, start, limit, Math.min(least, limit), Math.min(floor, limit));
      text = context + window.slice(start, end);
      tokenCount = countTokens(text);
    }
    const headingStart = start + (/^\s*/.exec(window.slice(start, end))?.[0].length ?? 0);
    yield {
      seq: seq++,
      text,
      context,
      start,
      end,
      ...locatePages(start, end),
      headingPath: structure?.headingPathAt(headingStart < end ? headingStart : start) ?? [],
      tokenCount,
    };
    if (all || (window.ended && end === window.end)) return;

    let next =
      countTokens && walk
        ? tokenOverlapStart(countTokens, walk, window.text, window.start, start, end, overlap)
        : window.start + overlapStart(window.text, end - window.start, overlap);
    if (structure) next = structure.rowBoundaryFrom(next, end);
    start = next > start ? next : end;
    previousEnd = end;
    window.dropBefore(start);
    structure?.dropBefore(start);
  }
}

/**
 * The chunk's length: in plain text the best boundary (see `chooseCut`); in Markdown the best
 * one outside rows and code blocks, preferring a short chunk to a split block, then inside a
 * code block at a line boundary, and a hard cut only when one row alone is longer than `limit`.
 */
function pickCut(
  window: StreamWindow,
  structure: MarkdownStructure | null,
  start: number,
  limit: number,
  least: number,
  floor: number,
): number {
  const from = start - window.start;
  if (!structure) return chooseCut(window.text, from, limit, least);
  const strict = (cut: number) => structure.allows(start + cut, "strict");
  const relaxed = (cut: number) => structure.allows(start + cut, "relaxed");
  for (const [minLength, allowed] of [
    [least, strict],
    [floor, strict],
    // Shorter than the overlap: such a chunk is skipped and the text rechunked from its end.
    [1, strict],
    [least, relaxed],
    [floor, relaxed],
    [1, relaxed],
  ] as const) {
    const cut = findCut(window.text, from, limit, Math.min(minLength, limit), allowed);
    if (cut > 0) return cut;
  }
  return chooseCut(window.text, from, limit, Math.min(least, limit));
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
  if (options.unit === "tokens" && size < MIN_TOKEN_SIZE)
    throw new RangeError(`a chunk size in tokens must be at least ${MIN_TOKEN_SIZE}, got ${size}`);
}
