import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";

const PAGE_SEPARATOR = "\n\n";

/**
 * Extracts text page by page with pdf.js; each page's span (without the blank line between pages)
 * is recorded in `output.pages`. pdf.js takes ownership of `data` (its buffer is detached).
 */
export async function parsePdf(
  data: Uint8Array,
  output: DocumentOutput,
  onPage: (pagesParsed: number) => void,
): Promise<{ pageCount: number; metadata: Record<string, unknown> }> {
  // Loaded on first use: pdf.js is large and most workers never see a PDF.
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const task = getDocument({
    data,
    verbosity: 0,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
  });
  try {
    const doc = await pdfCall(task.promise);
    const metadata = await pdfCall(doc.getMetadata().then((m) => describeInfo(m.info)));
    for (let number = 1; number <= doc.numPages; number++) {
      const page = await pdfCall(doc.getPage(number));
      const content = await pdfCall(page.getTextContent());
      let text = "";
      for (const item of content.items) {
        if ("str" in item) text += item.hasEOL ? `${item.str}\n` : item.str;
      }
      page.cleanup();
      if (number > 1) output.append(PAGE_SEPARATOR);
      const start = output.length;
      await output.write(text.replace(/\r\n?/g, "\n").trimEnd());
      output.addPage(number, start, output.length);
      onPage(number);
    }
    return { pageCount: doc.numPages, metadata };
  } finally {
    await task.destroy();
  }
}

/** Maps pdf.js failures to permanent codes; the input is fully in memory, so none is transient. */
async function pdfCall<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "PasswordException") {
      throw new PipelineError("encrypted_file", "PDF is encrypted and needs a password", { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new PipelineError("corrupt_file", `PDF could not be read: ${message}`, { cause: error });
  }
}

function describeInfo(info: unknown): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (typeof info !== "object" || info === null) return metadata;
  const record = info as Record<string, unknown>;
  for (const [from, to] of [
    ["Title", "title"],
    ["Author", "author"],
    ["Subject", "subject"],
    ["Creator", "creator"],
    ["Producer", "producer"],
    ["CreationDate", "creationDate"],
    ["PDFFormatVersion", "pdfVersion"],
  ] as const) {
    const value = record[from];
    if (typeof value === "string" && value !== "") metadata[to] = value.slice(0, 500);
  }
  return metadata;
}
