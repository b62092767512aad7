import type { PageSpan } from "../parse/types.js";

export interface PageRange {
  pageStart: number | null;
  pageEnd: number | null;
}

/**
 * Finds the first and last page that a slice `[start, end)` touches. Slices must come with
 * starts and ends that never decrease (chunks do), so each search resumes where the last one
 * stopped and the whole document costs one pass over its pages.
 */
export function pageRangeLocator(pages: PageSpan[]): (start: number, end: number) => PageRange {
  const sorted = [...pages].sort((a, b) => a.start - b.start);
  let first = 0;
  let last = 0;
  return (start, end) => {
    while (first < sorted.length && (sorted[first]?.end ?? 0) <= start) first += 1;
    last = Math.max(last, first);
    while (last + 1 < sorted.length && (sorted[last + 1]?.start ?? end) < end) last += 1;
    const opening = sorted[first];
    if (!opening || opening.start >= end) return { pageStart: null, pageEnd: null };
    return { pageStart: opening.page, pageEnd: sorted[last]?.page ?? opening.page };
  };
}
