import { LeaseLostError } from "../db/fence.js";
import { EmbeddingProviderError, isPipelineError } from "../pipeline/index.js";
import { DependencyUnavailableError } from "../resilience/dependency.js";
import { isTransientStorageError, PreconditionFailedError } from "../storage/errors.js";

export type Outcome =
  /** The lease is gone: someone else owns the job now; write nothing. */
  | { kind: "lease_lost" }
  /**
   * A dependency looks down. `confirmed` when its breaker refused the call; otherwise the
   * runtime asks the dependency before refunding (a busy process is not an outage).
   */
  | { kind: "unavailable"; dependency: "storage" | "embedder"; message: string; confirmed: boolean }
  /** A failed attempt: retried with backoff while attempts remain (if retryable), else failed. */
  | { kind: "failed"; code: string; message: string; retryable: boolean };

/** Decides what a stage error means for the job. Unknown errors are transient: a retry is cheap, a lost job is not. */
export function classifyStageError(err: unknown): Outcome {
  if (err instanceof LeaseLostError) return { kind: "lease_lost" };
  if (err instanceof DependencyUnavailableError) {
    return {
      kind: "unavailable",
      dependency: err.dependency === "embedder" ? "embedder" : "storage",
      message: err.message,
      confirmed: err.refused,
    };
  }
  if (isPipelineError(err)) return { kind: "failed", code: err.code, message: err.message, retryable: false };
  if (err instanceof EmbeddingProviderError) {
    return {
      kind: "failed",
      code: "embedding_provider_error",
      message: err.message,
      retryable: err.retryable,
    };
  }
  if (err instanceof PreconditionFailedError) {
    return {
      kind: "failed",
      code: "object_changed",
      message: "the uploaded object was replaced after it was verified",
      retryable: false,
    };
  }
  if (isTransientStorageError(err)) {
    return { kind: "unavailable", dependency: "storage", message: (err as Error).message, confirmed: false };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind: "failed", code: "stage_error", message, retryable: true };
}
