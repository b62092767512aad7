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
      // Not err.message: it carries the driver's text (endpoint host and port).
      message: `${err.dependency === "embedder" ? "embedder" : "storage"} is unavailable`,
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
    // The SDK's text names the endpoint (host and port); the job only says storage failed.
    return {
      kind: "unavailable",
      dependency: "storage",
      message: "storage request failed",
      confirmed: false,
    };
  }
  // An unknown error's text can hold SQL, a stack, hosts or paths: it goes to the worker's log
  // (settleFailure logs `err`), and the job, which tenants read, says only what kind it was.
  const name = err instanceof Error && /^[A-Za-z]{1,40}$/.test(err.name) ? err.name : "Error";
  return {
    kind: "failed",
    code: "stage_error",
    message: `internal error (${name}) in the stage; the worker's log has the details`,
    retryable: true,
  };
}
