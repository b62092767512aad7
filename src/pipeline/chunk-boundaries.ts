/**
 * Where a chunk may end, best first. Each pattern's match ends at the cut: the next chunk starts
 * with a heading line, after a blank line, after a line break, after a sentence, after a space.
 */
const cutPatterns: RegExp[] = [
  /\n(?=#{1,6}[ \t])/g,
  /\n[ \t]*\n/g,
  /\n/g,
  /[.!?…]['"”’)\]]*\s|[。！？]/g,
  /\s/g,
];

/** Characters read past a chunk's end so that a boundary right at the end can be recognized. */
export const CUT_LOOKAHEAD = 8;

/**
 * Picks the length of the chunk that starts at `from` in `text`: the last cut of the best kind
 * that leaves a chunk of at least `minLength`, else a hard cut at `size` (moved back one unit
 * rather than splitting a surrogate pair).
 */
export function chooseCut(text: string, from: number, size: number, minLength: number): number {
  const cut = findCut(text, from, size, minLength, () => true);
  if (cut > 0) return cut;
  return isHighSurrogate(text.charCodeAt(from + size - 1)) && size > minLength ? size - 1 : size;
}

/**
 * The last cut of the best kind in `[minLength, size]` that `allowed` accepts (it is given the
 * cut's length), or -1.
 */
export function findCut(
  text: string,
  from: number,
  size: number,
  minLength: number,
  allowed: (cut: number) => boolean,
): number {
  const window = text.slice(from, from + size + CUT_LOOKAHEAD);
  for (const pattern of cutPatterns) {
    let best = -1;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(window); match; match = pattern.exec(window)) {
      const cut = match.index + match[0].length;
      if (cut > size) break;
      if (cut >= minLength && allowed(cut)) best = cut;
      if (match[0].length === 0) pattern.lastIndex += 1;
    }
    if (best > 0) return best;
  }
  return -1;
}

/**
 * Where the next chunk starts so that it overlaps the previous one by at most `overlap`
 * characters: the first word start inside the overlap, else exactly `overlap` back.
 */
export function overlapStart(text: string, end: number, overlap: number): number {
  if (overlap === 0) return end;
  const earliest = end - overlap;
  for (let i = earliest; i < end; i++) {
    if (isSpace(text.charCodeAt(i - 1)) && !isSpace(text.charCodeAt(i))) return i;
  }
  return isLowSurrogate(text.charCodeAt(earliest)) ? earliest + 1 : earliest;
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

const tokenPieces =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

/**
 * An estimate of the token count, not any model's tokenizer: one token per CJK character and per
 * punctuation mark, one per five characters of a word (BPE vocabularies split long words).
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const match of text.matchAll(tokenPieces)) tokens += Math.max(1, Math.ceil(match[0].length / 5));
  return tokens;
}
