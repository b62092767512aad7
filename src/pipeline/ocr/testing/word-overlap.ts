/** Lower-case words of `text`, punctuation dropped: what OCR noise leaves comparable. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .split(/\s+/)
    .filter((w) => w !== "");
}

/**
 * The share of `expected`'s words (with multiplicity) that `actual` contains: 1 when OCR read
 * every word, 0.9 when it misread one word in ten.
 */
export function wordOverlap(expected: string, actual: string): number {
  const want = words(expected);
  if (want.length === 0) return 1;
  const have = new Map<string, number>();
  for (const w of words(actual)) have.set(w, (have.get(w) ?? 0) + 1);
  let found = 0;
  for (const w of want) {
    const left = have.get(w) ?? 0;
    if (left > 0) {
      found++;
      have.set(w, left - 1);
    }
  }
  return found / want.length;
}
