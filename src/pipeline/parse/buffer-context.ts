import type { DocumentOutput } from "./document-output.js";
import type { OcrHooks, OcrSettings } from "./ocr-settings.js";
import type { ParseLimits } from "./types.js";

/** What a parser of an in-memory document needs besides its bytes. */
export interface BufferContext {
  limits: ParseLimits;
  /** How many e-mails enclose this document (0 for the upload itself). */
  depth: number;
  /** Whether PDF pages are recorded as the document's pages (not for an attachment's PDF). */
  recordPages: boolean;
  onPage?: (pagesParsed: number) => void;
  ocr: { settings: OcrSettings; hooks?: OcrHooks; signal?: AbortSignal };
  /**
   * Parses an attachment's bytes as a document of its own, type detection included, into the
   * same output. Passed in rather than imported: it is the dispatcher that calls the e-mail
   * parsers, so importing it from them would be a cycle.
   */
  parseNested(
    data: Uint8Array,
    declared: { contentType: string; filename: string },
    output: DocumentOutput,
    context: BufferContext,
  ): Promise<void>;
}

export interface BufferResult {
  pageCount: number;
  metadata: Record<string, unknown>;
}
