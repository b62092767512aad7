import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Metrics } from "../observability/metrics.js";
import { Dependency, isNetworkError } from "./dependency.js";

const statusOf = (err: unknown) =>
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** S3 errors worth retrying: the network, 5xx (MinIO starting up answers 503), throttling. */
export function isTransientStorageError(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  return isNetworkError(err);
}

export function createStorageDependency(metrics?: Metrics, resetTimeoutMs?: number): Dependency {
  return new Dependency({
    name: "storage",
    metrics,
    isTransient: isTransientStorageError,
    // Any transient storage failure that outlived the retries is an outage, not the job's fault.
    isOutage: isTransientStorageError,
    resetTimeoutMs,
  });
}

/**
 * Opens an object for streaming through the storage dependency. `etag` pins the version that
 * completion verified: if the object was replaced since, S3 answers 412 and the job fails
 * with `object_changed` instead of processing other bytes than were checked.
 */
export async function openObject(
  storage: Dependency,
  s3: S3Client,
  bucket: string,
  key: string,
  etag: string | null,
  signal?: AbortSignal,
): Promise<AsyncIterable<Uint8Array>> {
  const res = await storage.call(() =>
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: etag } : {}) }), {
      abortSignal: signal,
    }),
  );
  return res.Body as AsyncIterable<Uint8Array>;
}
