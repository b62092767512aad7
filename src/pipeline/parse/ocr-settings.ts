/**
 * How a parse may use OCR; it comes from the process's configuration (a parse thread cannot
 * read it) through ParseOptions. `enabled: false` is INTAKE_OCR=off.
 */
export interface OcrSettings {
  enabled: boolean;
  languages: readonly string[];
  perPageTimeoutMs: number;
  maxPages: number;
  dpi: number;
}

export const OCR_OFF: OcrSettings = Object.freeze({
  enabled: false,
  languages: Object.freeze(["eng"]),
  perPageTimeoutMs: 30_000,
  maxPages: 200,
  dpi: 200,
});

/** What the parse tells its caller about OCR as it goes (progress events, the sandbox's clock). */
export interface OcrHooks {
  /** OCR of a page starts (true) or ends (false): child-process time, bounded per page by OCR itself. */
  onActive?: (active: boolean) => void;
  onPage?: (pagesOcred: number, pagesTotal: number) => void;
}

/** A warning on a document that completed but may have lost text. */
export type DocumentWarning = "no_text_layer";
