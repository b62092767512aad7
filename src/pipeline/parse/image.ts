import { PipelineError } from "../errors.js";
import {
  detectImageFormat,
  IMAGE_HEAD_BYTES,
  isOcrError,
  ocrImagePages,
  readImageHeader,
} from "../ocr/index.js";
import type { DocumentOutput } from "./document-output.js";
import { fromOcrError } from "./ocr-reader.js";
import type { OcrHooks, OcrSettings } from "./ocr-settings.js";

const PAGE_SEPARATOR = "\n\n";

/**
 * An image (PNG, JPEG, TIFF with one page per directory, WebP) as a document: each page is read
 * by OCR and written as a page of text. Without OCR (off, or Tesseract missing) the document is
 * empty and its pages are listed in `pagesWithoutText`, which the parse turns into a warning.
 */
export async function parseImage(
  data: Uint8Array,
  output: DocumentOutput,
  ocr: { settings: OcrSettings; hooks?: OcrHooks; signal?: AbortSignal },
  recordPages = true,
): Promise<{ pageCount: number; metadata: Record<string, unknown> }> {
  const format = detectImageFormat(data.subarray(0, IMAGE_HEAD_BYTES));
  if (!format) throw new PipelineError("corrupt_file", "the file is not a PNG, JPEG, TIFF or WebP image");
  let pageCount: number;
  try {
    pageCount = readImageHeader(data, format).pages.length;
  } catch (err) {
    throw fromOcrError(err);
  }
  const all = Array.from({ length: pageCount }, (_, i) => i + 1);
  const metadata: Record<string, unknown> = { image: { format, pages: pageCount } };
  if (!ocr.settings.enabled) return { pageCount, metadata: { ...metadata, pagesWithoutText: all } };

  const { settings, hooks = {} } = ocr;
  const pagesTotal = Math.min(pageCount, settings.maxPages);
  let written = 0;
  hooks.onActive?.(true);
  try {
    const result = await ocrImagePages(data, {
      languages: settings.languages,
      perPageTimeoutMs: settings.perPageTimeoutMs,
      maxPages: settings.maxPages,
      signal: ocr.signal,
      onPage: async (page, progress) => {
        if (written++ > 0 || (!recordPages && output.length > 0)) output.append(PAGE_SEPARATOR);
        const start = output.length;
        await output.write(page.text.replace(/\r\n?/g, "\n").trim());
        if (recordPages) output.addPage(page.page, start, output.length);
        hooks.onPage?.(progress.pagesOcred, pagesTotal);
      },
    });
    metadata.ocr = { pagesOcred: result.pages.length, skippedPages: result.skippedPages };
    if (result.skippedPages.length > 0) metadata.pagesWithoutText = result.skippedPages;
  } catch (err) {
    if (isOcrError(err) && err.code === "ocr_unavailable") {
      return {
        pageCount,
        metadata: { ...metadata, ocr: { unavailable: err.message }, pagesWithoutText: all },
      };
    }
    throw fromOcrError(err);
  } finally {
    hooks.onActive?.(false);
  }
  return { pageCount, metadata };
}
