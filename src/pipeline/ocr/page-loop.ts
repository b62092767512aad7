import type { OcrPage, OcrResult, ResolvedOcrOptions } from "./options.js";
import type { RecognizedText } from "./tesseract-tsv.js";

/** Time left of one page's budget, shared by the tools that work on the page. */
export type PageBudget = () => number;

/**
 * Reads `pageNumbers` one at a time, up to `maxPages`, reporting each page as it is done.
 * One page at a time: each tool runs on one core (see tesseract.ts), and the sandbox already
 * runs several documents side by side.
 */
export async function readPages(
  pageNumbers: readonly number[],
  options: ResolvedOcrOptions,
  readPage: (page: number, timeLeft: PageBudget) => Promise<RecognizedText>,
): Promise<OcrResult> {
  const toRead = pageNumbers.slice(0, options.maxPages);
  const skippedPages = pageNumbers.slice(options.maxPages);
  const pages: OcrPage[] = [];
  for (const page of toRead) {
    options.signal?.throwIfAborted();
    const started = performance.now();
    const deadline = started + options.perPageTimeoutMs;
    const timeLeft = () => Math.max(1, Math.round(deadline - performance.now()));
    const recognized = await readPage(page, timeLeft);
    const done: OcrPage = { page, ...recognized, durationMs: Math.round(performance.now() - started) };
    pages.push(done);
    await options.onPage?.(done, { pagesOcred: pages.length, pagesTotal: toRead.length });
  }
  return { pages, skippedPages };
}
