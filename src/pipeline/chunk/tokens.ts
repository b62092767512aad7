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

/** A word and the space before it, at most this long: the unit a walk refines with. */
const MAX_WORD = 64;
/** Words counted in one call, up to this many characters: a call costs ~1 µs besides the text. */
const MAX_STRETCH = 512;

/**
 * Token counts along the text from one chunk start: `offsets[i]` (absolute) is a word end and
 * `tokens[i]` the tokens before it. cl100k_base's pre-tokenizer splits text into words with
 * their leading space and BPE encodes each on its own, so counts of consecutive stretches that
 * end at word ends add up to the count of the whole, give or take a token where a run of
 * spaces or punctuation straddles a boundary; callers check the exact count of what they keep.
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
 * Walks `text` from `from` until the count passes `limit` or the walk reaches `to` (the end of
 * the text when `final`), counting stretches of words and, in the stretch where the limit
 * falls, one word at a time. The work is proportional to the chunk, never to the document.
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
  const local = (offset: number) => offset - textStart;
  let total = 0;
  for (let at = from; at < to; ) {
    const stretch = stretchEnd(text, local(at), local(to)) + textStart;
    // A word cut short by the end of what was read is counted once the rest has been read.
    if (stretch === to && !final) return { offsets, tokens, fits: at - from, reachedEnd: true };
    const count = countTokens(text.slice(local(at), local(stretch)));
    if (total + count <= limit) {
      total += count;
      at = stretch;
      offsets.push(at);
      tokens.push(total);
      continue;
    }
    while (at < stretch) {
      const next = wordEnd(text, local(at), local(stretch)) + textStart;
      const word = text.slice(local(at), local(next));
      const words = countTokens(word);
      if (total + words > limit) {
        // The space before the word that does not fit may end the chunk (it seldom adds a token).
        let spaces = local(at);
        while (spaces < local(next) && isSpace(text.charCodeAt(spaces))) spaces++;
        const fits = at > from ? spaces + textStart - from : longestPrefixWithin(countTokens, word, limit);
        return { offsets, tokens, fits, reachedEnd: false };
      }
      total += words;
      at = next;
      offsets.push(at);
      tokens.push(total);
    }
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
 * (checked exactly), or `end`: the walk's offsets narrow it to one stretch, whose word starts
 * are then searched by halving.
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
  const local = (offset: number) => offset - textStart;
  const fitsFrom = (offset: number) => countTokens(text.slice(local(offset), local(end))) <= overlap;
  let last = offsets.length - 1;
  while (last > 0 && (offsets[last] ?? 0) > end) last -= 1;
  const lastOffset = offsets[last] ?? end;
  const atEnd = (tokens[last] ?? 0) + countTokens(text.slice(local(lastOffset), local(end)));
  for (let i = 1; i <= last; i++) {
    const offset = offsets[i] ?? end;
    if (offset <= after || atEnd - (tokens[i] ?? 0) > overlap) continue;
    const starts = wordStarts(text, local(Math.max(after + 1, offsets[i - 1] ?? after)), local(offset));
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (fitsFrom((starts[mid] ?? 0) + textStart)) high = mid;
      else low = mid + 1;
    }
    if (low < starts.length) return (starts[low] ?? 0) + textStart;
    let next = local(offset);
    while (next < local(end) && isSpace(text.charCodeAt(next))) next++;
    if (fitsFrom(next + textStart)) return next + textStart;
  }
  return end;
}

/** Word starts (after a space) in `[from, to)`, local offsets. */
function wordStarts(text: string, from: number, to: number): number[] {
  const starts: number[] = [];
  for (let i = from; i < to; i++) {
    if (i > 0 && isSpace(text.charCodeAt(i - 1)) && !isSpace(text.charCodeAt(i))) starts.push(i);
  }
  return starts;
}

/** The end of the last word that ends within `MAX_STRETCH` of `at`, or of the first word. */
function stretchEnd(text: string, at: number, to: number): number {
  const limit = Math.min(to, at + MAX_STRETCH);
  let end = wordEnd(text, at, to);
  for (let next = end; end < limit; end = next) {
    next = wordEnd(text, end, to);
    if (next > limit || next === end) break;
  }
  return end;
}

function wordEnd(text: string, at: number, to: number): number {
  const limit = Math.min(to, at + MAX_WORD);
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
