// Special-token strings (`<|endoftext|>`) in a document are text like any other, not control
// tokens: with none disallowed (and none allowed) the tokenizer encodes them as plain text.
const asPlainText = { disallowedSpecial: new Set<string>() };

/** Counts the tokens of a text. */
export type CountTokens = (text: string) => number;

let loading: Promise<CountTokens> | undefined;

/**
 * The token counter of `cl100k_base`, the encoding of OpenAI's embedding models
 * (text-embedding-3-small/-large, ada-002) that intake's remote embedder defaults to. Loaded on
 * first use: its bundled ranks take ~10 MiB of heap, which chunking in characters never pays.
 */
export function loadTokenCounter(): Promise<CountTokens> {
  loading ??= import("gpt-tokenizer/encoding/cl100k_base").then(
    ({ countTokens }) =>
      (text: string) =>
        countTokens(text, asPlainText),
  );
  return loading;
}

/** A word and the space before it, at most this long: the unit the budget walk counts. */
const MAX_SEGMENT = 64;

/**
 * Token counts along the text from one chunk start: `offsets[i]` (absolute) is a word end and
 * `tokens[i]` the tokens before it, counted word by word. cl100k_base's pre-tokenizer splits
 * text into words with their leading space and BPE encodes each on its own, so the sum is the
 * count of the whole slice give or take a token at a cut; callers check the exact count of
 * what they keep.
 */
export interface TokenWalk {
  offsets: number[];
  tokens: number[];
  /** Characters from the start that hold at most the limit (0 < fits), or every one walked. */
  fits: number;
  /** True when the walk reached `to` before the limit. */
  reachedEnd: boolean;
}

/**
 * Walks `text` from `from` word by word, counting tokens, until the count passes `limit` or
 * the walk reaches `to` (the end of the text when `final`). Counting one word at a time keeps the work proportional to the chunk
 * and never tokenizes the whole document at once.
 */
export function walkTokens(
  countTokens: CountTokens,
  text: string,
  textStart: number,
  from: number,
  to: number,
  limit: number,
  final: boolean,
): TokenWalk {
  const offsets = [from];
  const tokens = [0];
  let total = 0;
  for (let at = from; at < to; ) {
    const next = segmentEnd(text, at - textStart, to - textStart) + textStart;
    // A word cut short by the end of what was read is counted once the rest has been read.
    if (next === to && !final) return { offsets, tokens, fits: at - from, reachedEnd: true };
    const count = countTokens(text.slice(at - textStart, next - textStart));
    if (total + count > limit) {
      // The space before the word that does not fit may end the chunk (it usually adds no token).
      let spaces = at - textStart;
      while (spaces < next - textStart && isSpace(text.charCodeAt(spaces))) spaces++;
      const word = text.slice(at - textStart, next - textStart);
      const fits = at > from ? spaces + textStart - from : longestPrefixWithin(countTokens, word, limit);
      return { offsets, tokens, fits, reachedEnd: false };
    }
    total += count;
    at = next;
    offsets.push(at);
    tokens.push(total);
  }
  return { offsets, tokens, fits: to - from, reachedEnd: true };
}

/** Characters from the walk's start after which at least `count` tokens lie behind, or `fits`. */
export function charsHolding(walk: TokenWalk, count: number): number {
  const i = walk.tokens.findIndex((t) => t >= count);
  const from = walk.offsets[0] ?? 0;
  return i < 0 ? walk.fits : Math.min(walk.fits, (walk.offsets[i] ?? from) - from);
}

/**
 * The earliest word start after `after` whose text up to `end` holds at most `overlap` tokens
 * (checked exactly), or `end`.
 */
export function tokenOverlapStart(
  countTokens: CountTokens,
  walk: TokenWalk,
  text: string,
  textStart: number,
  after: number,
  end: number,
  overlap: number,
): number {
  if (overlap === 0) return end;
  const { offsets, tokens } = walk;
  let last = offsets.length - 1;
  while (last > 0 && (offsets[last] ?? 0) > end) last -= 1;
  const lastOffset = offsets[last] ?? end;
  const atEnd = (tokens[last] ?? 0) + countTokens(text.slice(lastOffset - textStart, end - textStart));
  for (let i = 1; i <= last; i++) {
    if ((offsets[i] ?? end) <= after || atEnd - (tokens[i] ?? 0) > overlap) continue;
    // Start at the next word rather than at the space before it.
    let offset = offsets[i] ?? end;
    while (offset < end && isSpace(text.charCodeAt(offset - textStart))) offset++;
    if (countTokens(text.slice(offset - textStart, end - textStart)) <= overlap) return offset;
  }
  return end;
}

function segmentEnd(text: string, at: number, to: number): number {
  const limit = Math.min(to, at + MAX_SEGMENT);
  let i = at;
  while (i < limit && isSpace(text.charCodeAt(i))) i++;
  while (i < limit && !isSpace(text.charCodeAt(i))) i++;
  // Never end between the halves of a surrogate pair.
  if (i < to && i > at + 1 && isLowSurrogate(text.charCodeAt(i))) i--;
  return i;
}

/** The longest prefix of one oversized word that fits, at least one code point. */
function longestPrefixWithin(countTokens: CountTokens, word: string, limit: number): number {
  let low = 1;
  let high = word.length;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (countTokens(word.slice(0, mid)) <= limit) low = mid;
    else high = mid - 1;
  }
  return isHighSurrogate(word.charCodeAt(low - 1)) && low < word.length ? low + 1 : low;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d || code === 0x0c || code === 0xa0;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
