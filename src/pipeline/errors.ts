/**
 * Stable codes for input that no retry can fix. Each one is part of the job's recorded error, so
 * renaming a code is an API change.
 */
export type PipelineErrorCode =
  | "unsupported_type"
  | "corrupt_file"
  | "encrypted_file"
  | "too_large"
  /** Nesting, pages or items past the parser's structural bounds. */
  | "too_complex"
  /** The parse used up its time budget (see src/sandbox/budget.ts). */
  | "parse_timeout"
  | "decompression_limit"
  | "invalid_encoding"
  /** OCR of one page used up its own budget (INTAKE_OCR_PAGE_TIMEOUT_MS). */
  | "ocr_timeout"
  /** Tesseract or pdftoppm failed in a way the input does not explain. */
  | "ocr_failed";

/**
 * A failure caused by the document itself. Always permanent: retrying the same bytes gives the
 * same answer. Transient failures (a storage stream that errors) are never wrapped in this type.
 */
export class PipelineError extends Error {
  override readonly name = "PipelineError";
  readonly code: PipelineErrorCode;
  readonly permanent: boolean = true;

  constructor(code: PipelineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isPipelineError(error: unknown): error is PipelineError {
  return error instanceof PipelineError;
}
