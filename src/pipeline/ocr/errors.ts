/**
 * Stable codes of OCR failures. `corrupt_file`, `encrypted_file`, `too_complex` and `unsupported_type` mean what
 * they mean in `PipelineErrorCode`, so the parse path can pass them through unchanged.
 */
export type OcrErrorCode =
  /** Tesseract, pdftoppm or a requested language is not installed: the machine's fault, not the document's. */
  | "ocr_unavailable"
  /** One page needed more than the per-page budget (rasterizing and reading it). */
  | "ocr_timeout"
  /** A tool failed in a way the input does not explain (a crash, a signal). */
  | "ocr_failed"
  | "corrupt_file"
  | "encrypted_file"
  | "too_complex"
  | "unsupported_type";

/** An OCR failure. `page` is the 1-based page it happened on, when it happened on one. */
export class OcrError extends Error {
  override readonly name = "OcrError";
  readonly code: OcrErrorCode;
  readonly page: number | undefined;
  /** False only for `ocr_unavailable`: installing the package fixes it, the same bytes would then pass. */
  readonly permanent: boolean;

  constructor(code: OcrErrorCode, message: string, options: { page?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.page = options.page;
    this.permanent = code !== "ocr_unavailable";
  }
}

export function isOcrError(error: unknown): error is OcrError {
  return error instanceof OcrError;
}
