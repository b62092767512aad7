import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { assertOcrReady } from "./availability.js";
import { OcrError } from "./errors.js";
import { type OcrOptions, type OcrPage, type ResolvedOcrOptions, resolveOcrOptions } from "./options.js";
import { popplerFailure, readPdfInfo } from "./pdf-info.js";
import { rasterDpi } from "./raster-resolution.js";
import { runTool } from "./run-tool.js";
import { recognizeImageFile } from "./tesseract.js";

/** A PDF written to a private temp directory; whoever holds it removes `dir`. */
export interface PdfFile {
  dir: string;
  file: string;
}

/** Removes a `PdfFile` (its directory); removing one already gone is not an error. */
export function removePdfFile(pdf: PdfFile): Promise<void> {
  return rm(pdf.dir, { recursive: true, force: true });
}

/** Writes `pdf` to a new private temp directory (mode 0600), for OCR after its bytes are gone. */
export async function writePdfFile(pdf: Uint8Array): Promise<PdfFile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "intake-ocr-"));
  const file = path.join(dir, "document.pdf");
  try {
    await writeFile(file, pdf, { mode: 0o600 });
  } catch (err) {
    await removePdfFile({ dir, file });
    throw err;
  }
  return { dir, file };
}

/**
 * One PDF opened for OCR: its bytes are written once to a private temp directory (or it takes
 * over a `PdfFile` written earlier), then pages are read one call at a time, in whatever order
 * the caller's page loop reaches them. Made for the PDF parser, which meets a page without a text layer in the middle of writing pages in order.
 * Always `close()` it (it removes the directory); a page past `maxPages` reads as undefined.
 *
 * @example
 * const session = await PdfOcrSession.open(pdfBytes, { signal });
 * try {
 *   const page = await session.readPage(7); // OcrPage, or undefined past maxPages
 * } finally {
 *   await session.close();
 * }
 */
export class PdfOcrSession {
  #pagesRead = 0;

  private constructor(
    private readonly dir: string,
    private readonly file: string,
    readonly options: ResolvedOcrOptions,
  ) {}

  /** Throws `ocr_unavailable` when Tesseract, a language or poppler is missing. */
  static async open(pdf: Uint8Array | PdfFile, options: OcrOptions = {}): Promise<PdfOcrSession> {
    const resolved = resolveOcrOptions(options);
    resolved.signal?.throwIfAborted();
    await assertOcrReady(resolved.languages, { pdf: true });
    const { dir, file } = pdf instanceof Uint8Array ? await writePdfFile(pdf) : pdf;
    return new PdfOcrSession(dir, file, resolved);
  }

  /** Pages read so far. */
  get pagesRead(): number {
    return this.#pagesRead;
  }

  /**
   * Rasterizes page `page` alone and reads it, within the per-page budget. Throws like
   * `ocrPdfPages`; returns undefined once `maxPages` pages have been read.
   */
  async readPage(page: number): Promise<OcrPage | undefined> {
    if (!Number.isInteger(page) || page < 1) throw new RangeError("PDF page numbers start at 1");
    if (this.#pagesRead >= this.options.maxPages) return undefined;
    const { signal } = this.options;
    signal?.throwIfAborted();
    const started = performance.now();
    const timeLeft = () =>
      Math.max(1, Math.round(started + this.options.perPageTimeoutMs - performance.now()));

    const info = await readPdfInfo(this.file, page, page, { timeoutMs: timeLeft(), signal });
    const size = info.sizes.get(page);
    if (size === undefined)
      throw new OcrError("corrupt_file", `the size of PDF page ${page} could not be read`);
    const dpi = rasterDpi(size.widthPt, size.heightPt, {
      dpi: this.options.dpi,
      maxPixels: this.options.maxPagePixels,
    });
    const base = path.join(this.dir, `page-${page}`);
    // -gray without -png writes an uncompressed PGM: no encoding cost, and Tesseract reads it directly.
    const args = ["-q", "-f", String(page), "-l", String(page), "-r", String(dpi), "-gray", "-singlefile"];
    await runTool("pdftoppm", [...args, this.file, base], {
      timeoutMs: timeLeft(),
      signal,
      maxStdoutBytes: 64 * 1024,
      page,
    }).catch((err: unknown) => {
      throw popplerFailure(err, "rendered", page);
    });
    try {
      const recognized = await recognizeImageFile(`${base}.pgm`, {
        languages: this.options.languages,
        timeoutMs: timeLeft(),
        maxOutputBytes: this.options.maxOutputBytesPerPage,
        signal,
        dpi,
        page,
      });
      this.#pagesRead++;
      return { page, ...recognized, durationMs: Math.round(performance.now() - started) };
    } finally {
      // A letter page is 3.7 MB at 200 dpi: keep one on disk at a time.
      await rm(`${base}.pgm`, { force: true });
    }
  }

  /** Removes the temp directory; no child is running by then (each call waits for its children). */
  async close(): Promise<void> {
    await removePdfFile({ dir: this.dir, file: this.file });
  }
}
