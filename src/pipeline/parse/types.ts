import type { DocumentType } from "../detect.js";
import type { DocumentWarning, OcrSettings } from "./ocr-settings.js";

export type { DocumentWarning, OcrSettings } from "./ocr-settings.js";

/** Receives the normalized text in order; the caller typically streams it to object storage. */
export interface TextSink {
  write(text: string): Promise<void>;
}

export interface PageSpan {
  page: number;
  start: number;
  end: number;
}

export interface SectionSpan {
  title: string;
  level: number;
  start: number;
  end: number;
}

/** Offsets are UTF-16 code-unit offsets into the concatenation of everything written to the sink. */
export interface ParseResult {
  type: DocumentType;
  /** `markdown` for every format with structure; `plain` for text, logs, CSV and JSON. */
  textFormat: "markdown" | "plain";
  chars: number;
  pageCount: number;
  pages: PageSpan[];
  sections: SectionSpan[];
  metadata: Record<string, unknown>;
  /**
   * The document completed but text may be missing: `no_text_layer` when pages without a text
   * layer (scans, images) could not be read because OCR is off or not installed.
   */
  warnings: DocumentWarning[];
}

export interface ParseLimits {
  pdfMaxBytes: number;
  docxMaxBytes: number;
  htmlMaxBytes: number;
  /** XLSX, PPTX, ODF (ODT/ODS/ODP) and EPUB files. */
  officeMaxBytes: number;
  /** EML and MSG files, attachments included. */
  emailMaxBytes: number;
  rtfMaxBytes: number;
  /** Legacy binary Word (.doc) files, which are read whole into memory. */
  legacyOfficeMaxBytes: number;
  /** Images (PNG, JPEG, TIFF, WebP), read whole and handed to OCR. */
  imageMaxBytes: number;
  /** Total bytes inflated from the entries of one zip-based document (DOCX, XLSX, PPTX, ODF, EPUB). */
  docxMaxDecompressedBytes: number;
  /** Inflated/compressed ratio of one zip entry above which it is treated as a zip bomb. */
  docxMaxCompressionRatio: number;
  /** Cells read from a whole workbook (XLSX, ODS); the rest are left out and the result says so. */
  sheetMaxCells: number;
  /** Columns read from one sheet; cells further right are left out and the result says so. */
  sheetMaxColumns: number;
  /** Slides of a presentation, chapters of an EPUB. */
  maxParts: number;
  /** Attachments of one e-mail that are parsed; the rest are listed by name only. */
  emailMaxAttachments: number;
  /** How deep e-mails attached to e-mails are followed. */
  emailMaxDepth: number;
  /** JSON at most this large is parsed once to record whether it is valid. */
  jsonValidateMaxBytes: number;
  maxSections: number;
  /** Pages a PDF may have. */
  pdfMaxPages: number;
  /** Text items pdf.js may find on one PDF page. */
  pdfMaxItemsPerPage: number;
  /** Open elements an HTML or XML document may nest; deeper tags are flattened. */
  maxNestingDepth: number;
  /** Containers a JSON document may nest and still be validated. */
  jsonMaxDepth: number;
}

const MiB = 1024 * 1024;

export const defaultParseLimits: Readonly<ParseLimits> = Object.freeze({
  pdfMaxBytes: 100 * MiB,
  docxMaxBytes: 50 * MiB,
  htmlMaxBytes: 20 * MiB,
  officeMaxBytes: 50 * MiB,
  emailMaxBytes: 50 * MiB,
  rtfMaxBytes: 50 * MiB,
  legacyOfficeMaxBytes: 20 * MiB,
  imageMaxBytes: 50 * MiB,
  docxMaxDecompressedBytes: 200 * MiB,
  // Word's XML deflates 5-20x; all-zero bombs reach deflate's maximum of about 1030x.
  docxMaxCompressionRatio: 200,
  jsonValidateMaxBytes: 10 * MiB,
  // A million cells render to roughly 10-20 MB of Markdown; the sandbox's 256 MB heap holds the
  // shared strings and one sheet's rows at that size with room to spare.
  sheetMaxCells: 1_000_000,
  sheetMaxColumns: 512,
  maxParts: 10_000,
  emailMaxAttachments: 50,
  emailMaxDepth: 3,
  maxSections: 10_000,
  pdfMaxPages: 25_000,
  pdfMaxItemsPerPage: 200_000,
  maxNestingDepth: 256,
  jsonMaxDepth: 512,
});

export interface ParseProgress {
  pagesParsed?: number;
  /** Pages read by OCR so far, of `pagesTotal` that will be. */
  pagesOcred?: number;
  pagesTotal?: number;
  bytesRead: number;
}

export interface ParseOptions {
  limits?: Partial<ParseLimits>;
  onProgress?: (progress: ParseProgress) => void;
  /** Whether and how scanned pages and images are read; off when absent. */
  ocr?: OcrSettings;
  /** OCR starts or ends: time spent in OCR's child processes, which OCR bounds per page itself. */
  onOcrActive?: (active: boolean) => void;
  /** Aborting stops OCR's child processes at once. */
  signal?: AbortSignal;
}

export interface ParseInfo {
  declaredContentType: string;
  filename: string;
  size: number;
}
