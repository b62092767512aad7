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
  | "invalid_encoding";

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
