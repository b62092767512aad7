import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { assertOcrReady } from "./availability.js";
import { OcrError } from "./errors.js";
import { type OcrOptions, type OcrResult, resolveOcrOptions } from "./options.js";
import { readPages } from "./page-loop.js";
import { popplerFailure, readPdfInfo } from "./pdf-info.js";
import { withPrivateDir } from "./private-dir.js";
import { rasterDpi } from "./raster-resolution.js";
import { runTool } from "./run-tool.js";
import { recognizeImageFile } from "./tesseract.js";

/**
 * Rasterizes the given pages of a PDF with poppler's pdftoppm, one page at a time, and reads
 * each with Tesseract; other pages are never rendered. Pick the pages with `pagesNeedingOcr`.
 * Each page's budget covers both tools. Throws `OcrError` (`corrupt_file`, `encrypted_file`,
 * `ocr_timeout`, `too_complex`, `ocr_unavailable`), a RangeError for a page the PDF does not
 * have, and `signal.reason` when aborted.
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
  const resolved = resolveOcrOptions(options);
  resolved.signal?.throwIfAborted();
  const wanted = [...new Set(pageNumbers)].sort((a, b) => a - b);
  if (wanted.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError("PDF page numbers start at 1");
  if (wanted.length === 0) return { pages: [], skippedPages: [] };
  const toRead = wanted.slice(0, resolved.maxPages);
  await assertOcrReady(resolved.languages, { pdf: true });

  return withPrivateDir(async (dir) => {
    const file = path.join(dir, "document.pdf");
    await writeFile(file, pdf, { mode: 0o600 });
    const info = await readPdfInfo(file, toRead[0]!, toRead[toRead.length - 1]!, {
      timeoutMs: resolved.perPageTimeoutMs,
      signal: resolved.signal,
    });
    const beyond = wanted.find((n) => n > info.pageCount);
    if (beyond !== undefined) throw new RangeError(`the PDF has ${info.pageCount} pages, not ${beyond}`);

    return readPages(wanted, resolved, async (page, timeLeft) => {
      const size = info.sizes.get(page);
      if (size === undefined)
        throw new OcrError("corrupt_file", `the size of PDF page ${page} could not be read`);
      const dpi = rasterDpi(size.widthPt, size.heightPt, {
        dpi: resolved.dpi,
        maxPixels: resolved.maxPagePixels,
      });
      const base = path.join(dir, `page-${page}`);
      // -gray without -png writes an uncompressed PGM: no encoding cost, and Tesseract reads it directly.
      const args = ["-q", "-f", String(page), "-l", String(page), "-r", String(dpi), "-gray", "-singlefile"];
      await runTool("pdftoppm", [...args, file, base], {
        timeoutMs: timeLeft(),
        signal: resolved.signal,
        maxStdoutBytes: 64 * 1024,
        page,
      }).catch((err: unknown) => {
        throw popplerFailure(err, "rendered", page);
      });
      try {
        return await recognizeImageFile(`${base}.pgm`, {
          languages: resolved.languages,
          timeoutMs: timeLeft(),
          maxOutputBytes: resolved.maxOutputBytesPerPage,
          signal: resolved.signal,
          dpi,
          page,
        });
      } finally {
        // A letter page is 3.7 MB at 200 dpi: keep one on disk at a time.
        await rm(`${base}.pgm`, { force: true });
      }
    });
  });
}
