import { PipelineError } from "../errors.js";
import { type PdfFile, removePdfFile, writePdfFile } from "../ocr/index.js";
import type { DocumentOutput } from "./document-output.js";
import { type OcrReport, PdfOcrReader } from "./ocr-reader.js";
import { OCR_OFF, type OcrHooks, type OcrSettings } from "./ocr-settings.js";
import { type LineItem, logicalLine } from "./pdf-bidi.js";
import type { ParseLimits } from "./types.js";

const PAGE_SEPARATOR = "\n\n";
// pdf.js keeps each page it loads until a cleanup, which (patched, see patches/) also releases
// the pages and parsed objects; without it a 20,000-page PDF held all of them.
const CLEANUP_EVERY_PAGES = 25;
// pdf.js takes (detaches) the bytes it is given, and OCR may need them after. Up to this size they
// are copied; a larger PDF is written to a temp file instead, so the sandbox does not hold it twice.
const OCR_COPY_MAX_BYTES = 8 * 1024 * 1024;

const INFO_FIELDS = [
  ["Title", "title"],
  ["Author", "author"],
  ["Subject", "subject"],
  ["Creator", "creator"],
  ["Producer", "producer"],
  ["CreationDate", "creationDate"],
  ["PDFFormatVersion", "pdfVersion"],
] as const;

type PdfLimits = Pick<ParseLimits, "pdfMaxPages" | "pdfMaxItemsPerPage">;

/**
 * Extracts text page by page with pdf.js, each line in logical order (see logicalLine, for
 * Hebrew and Arabic); each page's span (without the blank line between
 * pages) is recorded in `output.pages`. Runs in the caller's thread: in intake that is a parse
 * thread of the sandbox, whose heap cap and time budget bound what pdf.js may spend. Page
 * count and text items per page are bounded here (`too_complex`), so a PDF cannot make one
 * call of pdf.js build an unbounded page.
 */
export async function parsePdf(
  data: Uint8Array,
  output: DocumentOutput,
  limits: PdfLimits,
  onPage: (pagesParsed: number) => void,
  recordPages = true,
  ocr: { settings: OcrSettings; hooks?: OcrHooks; signal?: AbortSignal } = { settings: OCR_OFF },
): Promise<{ pageCount: number; metadata: Record<string, unknown> }> {
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
  let reader: PdfOcrReader | undefined;
  let forOcr: Uint8Array | PdfFile = data;
  let forPdfJs = data;
  // A temp file the OCR reader has not taken over yet: removed here if the PDF does not open.
  let spilled: PdfFile | undefined;
  if (ocr.settings.enabled) {
    // Where the temp file cannot be written (a full disk), the copy it saves is made after all.
    if (data.byteLength > OCR_COPY_MAX_BYTES) spilled = await writePdfFile(data).catch(() => undefined);
    if (spilled) forOcr = spilled;
    else forPdfJs = data.slice();
  }
  const task = getDocument({
    data: forPdfJs,
    verbosity: 0,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
  });
  try {
    const doc = await task.promise.catch((err: unknown) => {
      throw pdfError(err);
    });
    if (doc.numPages > limits.pdfMaxPages) {
      throw new PipelineError(
        "too_complex",
        `PDF has ${doc.numPages} pages; the limit is ${limits.pdfMaxPages}`,
      );
    }
    const meta = await doc.getMetadata().catch(() => ({ info: {} }));
    reader = new PdfOcrReader(forOcr, ocr.settings, doc.numPages, ocr.hooks, ocr.signal);
    spilled = undefined;
    const withoutText: number[] = [];
    for (let number = 1; number <= doc.numPages; number++) {
      const page = await doc.getPage(number).catch((err: unknown) => {
        throw pdfError(err);
      });
      const parts = await pageText(page, number, limits.pdfMaxItemsPerPage);
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = page.view;
      page.cleanup();
      const layer = parts.join("").replace(/\r\n?/g, "\n").trimEnd();
      // A scanned page (no text layer, or almost none for its area) is read by OCR when allowed.
      const { text, unread } = await reader.pageText(number, layer, x1 - x0, y1 - y0);
      if (unread) withoutText.push(number);
      if (number > 1 || (!recordPages && output.length > 0)) output.append(PAGE_SEPARATOR);
      const start = output.length;
      await output.write(text);
      if (recordPages) output.addPage(number, start, output.length);
      onPage(number);
      if (number % CLEANUP_EVERY_PAGES === 0) await doc.cleanup();
    }
    const metadata = describeInfo(meta.info);
    const report: OcrReport = await reader.close();
    reader = undefined;
    if (report.pagesOcred > 0 || report.skippedPages.length > 0 || report.unavailable) metadata.ocr = report;
    if (withoutText.length > 0) metadata.pagesWithoutText = withoutText.slice(0, 1000);
    return { pageCount: doc.numPages, metadata };
  } finally {
    await reader?.close().catch(() => {});
    if (spilled) await removePdfFile(spilled);
    await task.destroy();
  }
}

type PdfPage = Awaited<
  ReturnType<
    Awaited<ReturnType<typeof import("pdfjs-dist/legacy/build/pdf.mjs").getDocument>["promise"]>["getPage"]
  >
>;

/**
 * A page's text pieces, read as pdf.js streams them, so that a page with millions of text
 * operators is stopped at the item limit instead of being built whole first.
 */
async function pageText(page: PdfPage, number: number, maxItems: number): Promise<string[]> {
  const reader = page.streamTextContent().getReader();
  const parts: string[] = [];
  let line: LineItem[] = [];
  let items = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        if (line.length > 0) parts.push(logicalLine(line));
        return parts;
      }
      items += value.items.length;
      if (items > maxItems) {
        throw new PipelineError("too_complex", `PDF page ${number} has more than ${maxItems} text items`);
      }
      for (const item of value.items) {
        if (!("str" in item)) continue;
        line.push({ str: item.str, dir: item.dir });
        if (item.hasEOL) {
          parts.push(`${logicalLine(line)}\n`);
          line = [];
        }
      }
    }
  } catch (err) {
    // pdf.js needs a reason to cancel; without one its document never finishes destroying.
    await reader.cancel(err instanceof Error ? err : new Error(String(err))).catch(() => {});
    throw pdfError(err);
  }
}

function describeInfo(info: unknown): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (typeof info !== "object" || info === null) return metadata;
  for (const [from, to] of INFO_FIELDS) {
    const value = (info as Record<string, unknown>)[from];
    if (typeof value === "string" && value !== "") metadata[to] = value.slice(0, 500);
  }
  return metadata;
}

/** Maps pdf.js failures to permanent codes; the input is fully in memory, so none is transient. */
function pdfError(err: unknown): PipelineError {
  if (err instanceof PipelineError) return err;
  const { name, message } = err as { name?: string; message?: string };
  if (name === "PasswordException")
    return new PipelineError("encrypted_file", "PDF is encrypted and needs a password");
  return new PipelineError("corrupt_file", `PDF could not be read: ${message ?? String(err)}`);
}
