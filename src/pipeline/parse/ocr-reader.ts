import { PipelineError, type PipelineErrorCode } from "../errors.js";
import {
  isOcrError,
  type OcrError,
  type OcrPage,
  type PdfFile,
  PdfOcrSession,
  pagesNeedingOcr,
  preferredPageText,
  removePdfFile,
} from "../ocr/index.js";
import type { OcrHooks, OcrSettings } from "./ocr-settings.js";

/** What OCR did for one document, kept in its metadata. */
export interface OcrReport {
  pagesOcred: number;
  skippedPages: number[];
  /** Why OCR could not run, when it was wanted (Tesseract or a language missing). */
  unavailable?: string;
  meanConfidence?: number;
}

/**
 * OCR for the PDF parser's page loop: decides per page whether the text layer is too thin for
 * the page's area, and if so reads the page with Tesseract, keeping whichever text is longer.
 * Pages with a real text layer are written verbatim. The session (a temp copy of the PDF, or the
 * `PdfFile` given, which the reader then owns) opens on the first page that needs it; `close()`
 * always.
 */
export class PdfOcrReader {
  readonly report: OcrReport = { pagesOcred: 0, skippedPages: [] };
  #session: PdfOcrSession | undefined;
  #unavailable = false;
  #confidence: number[] = [];

  constructor(
    private readonly data: Uint8Array | PdfFile,
    private readonly settings: OcrSettings,
    private readonly pageCount: number,
    private readonly hooks: OcrHooks = {},
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * The text to write for `page`: its text layer, or what OCR read when that is more. `unread`
   * marks a page that needed OCR and did not get it (OCR off or missing, or past the page cap):
   * its text may be lost, which the document's warnings say.
   */
  async pageText(
    page: number,
    layer: string,
    widthPt: number,
    heightPt: number,
  ): Promise<{ text: string; unread: boolean }> {
    if (pagesNeedingOcr([{ page, text: layer, widthPt, heightPt }]).length === 0) {
      return { text: layer, unread: false };
    }
    if (!this.settings.enabled || this.#unavailable) return { text: layer, unread: true };
    let read: OcrPage | undefined;
    this.hooks.onActive?.(true);
    try {
      this.#session ??= await PdfOcrSession.open(this.data, {
        languages: this.settings.languages,
        perPageTimeoutMs: this.settings.perPageTimeoutMs,
        maxPages: this.settings.maxPages,
        dpi: this.settings.dpi,
        signal: this.signal,
      });
      read = await this.#session.readPage(page);
    } catch (err) {
      if (isOcrError(err) && err.code === "ocr_unavailable") {
        this.#unavailable = true;
        this.report.unavailable = err.message;
        return { text: layer, unread: true };
      }
      throw fromOcrError(err);
    } finally {
      this.hooks.onActive?.(false);
    }
    if (!read) {
      this.report.skippedPages.push(page);
      return { text: layer, unread: true };
    }
    this.report.pagesOcred++;
    if (read.confidence !== undefined) this.#confidence.push(read.confidence);
    this.hooks.onPage?.(this.report.pagesOcred, Math.min(this.pageCount, this.settings.maxPages));
    return { text: preferredPageText(layer, read.text).text, unread: false };
  }

  async close(): Promise<OcrReport> {
    if (this.#session) await this.#session.close();
    else if (!(this.data instanceof Uint8Array)) await removePdfFile(this.data);
    if (this.#confidence.length > 0) {
      const mean = this.#confidence.reduce((a, b) => a + b, 0) / this.#confidence.length;
      this.report.meanConfidence = Math.round(mean * 10) / 10;
    }
    return this.report;
  }
}

/** An OCR failure as the parse's error: the shared codes pass through, the rest keep theirs. */
export function fromOcrError(err: unknown): unknown {
  if (!isOcrError(err)) return err;
  const e = err as OcrError;
  const code: PipelineErrorCode = e.code === "ocr_unavailable" ? "ocr_failed" : e.code;
  const where = e.page ? ` (page ${e.page})` : "";
  return new PipelineError(code, `${e.message}${where}`, { cause: err });
}
