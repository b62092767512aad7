import type { DocumentType } from "../detect.js";

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
  chars: number;
  pageCount: number;
  pages: PageSpan[];
  sections: SectionSpan[];
  metadata: Record<string, unknown>;
}

export interface ParseLimits {
  pdfMaxBytes: number;
  docxMaxBytes: number;
  htmlMaxBytes: number;
  /** Total bytes inflated from a DOCX's entries. */
  docxMaxDecompressedBytes: number;
  /** Inflated/compressed ratio of one entry above which it is treated as a zip bomb. */
  docxMaxCompressionRatio: number;
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
  docxMaxDecompressedBytes: 200 * MiB,
  // Word's XML deflates 5-20x; all-zero bombs reach deflate's maximum of about 1030x.
  docxMaxCompressionRatio: 200,
  jsonValidateMaxBytes: 10 * MiB,
  maxSections: 10_000,
  pdfMaxPages: 25_000,
  pdfMaxItemsPerPage: 200_000,
  maxNestingDepth: 256,
  jsonMaxDepth: 512,
});

export interface ParseProgress {
  pagesParsed?: number;
  bytesRead: number;
}

export interface ParseOptions {
  limits?: Partial<ParseLimits>;
  onProgress?: (progress: ParseProgress) => void;
}

export interface ParseInfo {
  declaredContentType: string;
  filename: string;
  size: number;
}
