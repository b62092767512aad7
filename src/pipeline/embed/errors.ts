/**
 * A failed call to an embedding provider. `retryable` tells the worker whether trying the same
 * batch again can succeed (network errors, timeouts, 408, 429, 5xx) or cannot (other 4xx, a
 * malformed answer). `status` is undefined when no HTTP response arrived.
 */
export class EmbeddingProviderError extends Error {
  override readonly name = "EmbeddingProviderError";
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** From a Retry-After header, when the provider sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    props: { status?: number; retryable: boolean; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, { cause: props.cause });
    this.status = props.status;
    this.retryable = props.retryable;
    this.retryAfterMs = props.retryAfterMs;
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
