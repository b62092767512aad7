import type { OcrOptions, OcrPage, OcrResult } from "./options.js";
import { PdfOcrSession } from "./pdf-ocr-session.js";

/**
 * Rasterizes the given pages of a PDF with poppler's pdftoppm, one page at a time, and reads
 * each with Tesseract; other pages are never rendered. Pick the pages with `pagesNeedingOcr`.
 * Each page's budget covers both tools. Throws `OcrError` (`corrupt_file`, `encrypted_file`,
 * `ocr_timeout`, `too_complex`, `ocr_unavailable`), a RangeError for a page the PDF does not
 * have, and `signal.reason` when aborted. For pages met one by one, see `PdfOcrSession`.
 *
 * @example
 * const pages = pagesNeedingOcr(textLayers);
 * const { pages: read } = await ocrPdfPages(pdfBytes, pages, { signal, onPage });
 */
export async function ocrPdfPages(
  pdf: Uint8Array,
  pageNumbers: readonly number[],
  options: OcrOptions = {},
): Promise<OcrResult> {
  const wanted = [...new Set(pageNumbers)].sort((a, b) => a - b);
  if (wanted.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError("PDF page numbers start at 1");
  if (wanted.length === 0) return { pages: [], skippedPages: [] };
  const session = await PdfOcrSession.open(pdf, options);
  const { maxPages, onPage } = session.options;
  const toRead = wanted.slice(0, maxPages);
  try {
    const pages: OcrPage[] = [];
    for (const number of toRead) {
      const page = (await session.readPage(number))!;
      pages.push(page);
      await onPage?.(page, { pagesOcred: pages.length, pagesTotal: toRead.length });
    }
    return { pages, skippedPages: wanted.slice(maxPages) };
  } finally {
    await session.close();
  }
}
