import { isNetworkError } from "../resilience/dependency.js";

/**
 * What the object store reports, as types callers can match instead of reading SDK metadata.
 * Outages are not here: a transient failure that outlived the retries, or a call the breaker
 * refused, is a `DependencyUnavailableError` from src/resilience.
 */
export class ObjectNotFoundError extends Error {
  override name = "ObjectNotFoundError";
  constructor(readonly key: string) {
    super(`no object at ${key}`);
  }
}

/** The object is not the version asked for (If-Match failed): it was replaced since. */
export class PreconditionFailedError extends Error {
  override name = "PreconditionFailedError";
  constructor(readonly key: string) {
    super(`the object at ${key} changed`);
  }
}

/** S3 refused a multipart part list (a wrong ETag, order or a part too small). */
export class InvalidPartsError extends Error {
  override name = "InvalidPartsError";
}

const statusOf = (err: unknown) =>
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * An S3 answer that the object is not there, whatever the operation calls it (HEAD has no body,
 * so no code). A multipart upload that is gone (NoSuchUpload, also a 404) is not this.
 */
export function isNotFound(err: unknown): boolean {
  const name = (err as Error).name;
  if (name === "NoSuchUpload") return false;
  return statusOf(err) === 404 || name === "NotFound" || name === "NoSuchKey";
}

export function isPreconditionFailed(err: unknown): boolean {
  return statusOf(err) === 412 || (err as Error).name === "PreconditionFailed";
}

/** S3 errors worth retrying: the network, 5xx (MinIO starting up answers 503), throttling. */
export function isTransientStorageError(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  return isNetworkError(err);
}
