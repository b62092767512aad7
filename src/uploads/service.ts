import { randomUUID } from "node:crypto";
import type { Config } from "../config/index.js";
import type { Db } from "../db/database.js";
import type { JobRow } from "../db/schema.js";
import { cancelJob } from "../db/sql/cancel-job.js";
import { endUpload } from "../db/sql/end-upload.js";
import { findTenantMaxPriority } from "../db/sql/find-tenant-max-priority.js";
import { insertUploadJob } from "../db/sql/insert-upload-job.js";
import { StorageQuotaExceededError } from "../db/sql/tenant-storage-usage.js";
import type { Metrics } from "../observability/metrics.js";
import { pipelineKey } from "../pipeline/settings.js";
import { QuotaError, spendUpload } from "../quotas/index.js";
import { InvalidPartsError } from "../storage/errors.js";
import { objectKeyFor } from "../storage/object-key.js";
import type { ObjectStore, SignedObject } from "../storage/object-store.js";
import { partCount, type UploadInstructions, urlLifetimeSeconds } from "../storage/presign.js";
import { type CompletionResult, type CompletionSource, completeUpload } from "./complete-upload.js";
import type { CreateUploadBody } from "./schemas.js";
import { UploadError } from "./upload-error.js";

export interface UploadDeps {
  config: Config;
  db: Db;
  store: ObjectStore;
  metrics?: Metrics;
}

/**
 * Completes an upload from any source (the client's callback, the storage webhook, the
 * reconciler): HEAD, then queued with its event and NOTIFY in one transaction (completeUpload).
 * Callers only map the outcome to their answer.
 */
export function completeFrom(
  deps: UploadDeps,
  job: JobRow,
  source: CompletionSource,
): Promise<CompletionResult> {
  return completeUpload(deps, job, source);
}

/**
 * Ends an upload that is still awaiting as `cancelled` or `expired`, then removes what was
 * uploaded. Storage is cleaned after the commit: the job can no longer be completed, so
 * nothing races the removal. Undefined when another transition (a completion) won.
 */
export async function endAwaitingUpload(
  deps: UploadDeps,
  job: JobRow,
  status: "cancelled" | "expired",
  reason: string,
): Promise<JobRow | undefined> {
  const ended = await endUpload(deps.db, job, status, reason);
  if (ended) await discardUploadedData(deps, job);
  return ended;
}

/**
 * Cancels a job that is not finished. An upload still awaiting ends through
 * `endAwaitingUpload`, so what was uploaded is removed too; if a completion wins that race the
 * now-queued job is cancelled like any other. Undefined when the job had already finished.
 */
export async function cancel(deps: UploadDeps, job: JobRow, reason: string): Promise<JobRow | undefined> {
  if (job.status === "awaiting_upload") {
    const ended = await endAwaitingUpload(deps, job, "cancelled", reason);
    if (ended) return ended;
  }
  return cancelJob(deps.db, job, reason);
}

/** Parts signed up front; more are signed on request (`POST …/parts`). */
const INITIAL_PARTS = 1000;

const specOf = (job: JobRow): SignedObject => ({
  key: job.object_key,
  contentType: job.content_type,
  size: Number(job.size),
  sha256: job.sha256,
});

/**
 * Creates (or, for a repeated idempotency key, finds) a job and returns fresh upload
 * instructions. The server chooses the object key. For multipart, the S3 upload is created
 * before the row so that the row a concurrent replay reads always carries its upload id; the
 * loser of an idempotency race aborts the upload it created.
 *
 * Tenant limits first: one token of uploads per minute (spent by a replay too: telling a
 * replay apart needs the insert), then the bytes and documents quota inside the insert's
 * transaction (QuotaError `rate_limited` / `quota_exceeded`).
 */
export async function createUpload(deps: UploadDeps, tenantId: string, body: CreateUploadBody) {
  const { uploads } = deps.config;
  if (body.size > uploads.maxBytes) {
    throw new UploadError(
      "file_too_large",
      `size ${body.size} exceeds the maximum of ${uploads.maxBytes} bytes`,
      {
        maxBytes: uploads.maxBytes,
      },
    );
  }
  const priority = body.priority ?? 0;
  if (priority > 0) {
    const maxPriority = await findTenantMaxPriority(deps.db, tenantId, uploads.maxPriority);
    if (priority > maxPriority) {
      throw new UploadError(
        "priority_too_high",
        `priority ${priority} exceeds this tenant's maximum of ${maxPriority}`,
        {
          maxPriority,
        },
      );
    }
  }
  // The limits come back from the statement that spends the upload (one round trip).
  const limits = await spendUpload(deps.db, tenantId, deps.config.quotas.tenantDefaults);
  const id = randomUUID();
  const key = objectKeyFor(tenantId, id, body.filename);
  const multipart = body.size >= uploads.multipartThresholdBytes;
  const spec: SignedObject = {
    key,
    contentType: body.contentType,
    size: body.size,
    sha256: body.sha256 ?? null,
  };
  const uploadId = multipart ? await deps.store.createMultipart(spec) : null;
  const { job, created } = await insertUploadJob(
    deps.db,
    {
      id,
      tenant_id: tenantId,
      status: "awaiting_upload",
      stage: "parse",
      filename: body.filename,
      content_type: body.contentType,
      size: body.size,
      sha256: body.sha256 ?? null,
      object_key: key,
      upload_method: multipart ? "multipart" : (body.method ?? "PUT"),
      multipart_upload_id: uploadId,
      idempotency_key: body.idempotencyKey ?? null,
      metadata: body.metadata ?? {},
      priority,
      max_attempts: deps.config.worker.maxAttempts,
      lease_owner: null,
      lease_expires_at: null,
      error_code: null,
      error_message: null,
      error_stage: null,
      error_retryable: null,
      content_sha256: null,
      pipeline_key: pipelineKey(deps.config),
      reused_from: null,
      object_etag: null,
    },
    uploads.urlTtlSeconds,
    limits,
  ).catch(async (err: unknown) => {
    if (!(err instanceof StorageQuotaExceededError)) throw err;
    if (uploadId) await deps.store.abortMultipart(key, uploadId);
    throw new QuotaError("quota_exceeded", err.quota, err.limit, err.usage[err.quota]);
  });
  if (!created) {
    if (uploadId) await deps.store.abortMultipart(key, uploadId);
    assertSameRequest(job, body);
  }
  const upload = job.status === "awaiting_upload" ? await uploadInstructions(deps, job) : null;
  return { job, created, upload };
}

function assertSameRequest(job: JobRow, body: CreateUploadBody) {
  const same =
    job.filename === body.filename &&
    Number(job.size) === body.size &&
    job.content_type === body.contentType &&
    job.sha256 === (body.sha256 ?? null);
  if (!same) {
    throw new UploadError("idempotency_key_reused", "this idempotency key was used for a different upload", {
      jobId: job.id,
    });
  }
}

/** Fresh URLs for a job that still awaits its upload (new expiry each time). */
export async function uploadInstructions(deps: UploadDeps, job: JobRow): Promise<UploadInstructions> {
  const ttl = urlLifetime(deps, job);
  const spec = specOf(job);
  if (job.upload_method === "PUT") return deps.store.presignPut(spec, ttl);
  if (job.upload_method === "POST") return deps.store.presignPost(spec, ttl);
  const partSize = deps.config.uploads.partSizeBytes;
  const count = partCount(spec.size, partSize);
  const numbers = Array.from({ length: Math.min(count, INITIAL_PARTS) }, (_, i) => i + 1);
  return {
    method: "multipart",
    uploadId: job.multipart_upload_id!,
    partSize,
    partCount: count,
    parts: await deps.store.presignParts(
      { ...spec, uploadId: job.multipart_upload_id!, partSize },
      numbers,
      ttl,
    ),
    expiresAt: new Date(Date.now() + ttl * 1000).toISOString(),
  };
}

export async function signParts(deps: UploadDeps, job: JobRow, partNumbers: number[]) {
  const { uploadId, partSize, count } = multipartOf(deps, job);
  const bad = partNumbers.find((n) => n > count);
  if (bad) throw new UploadError("invalid_part_number", `part ${bad} is beyond the last part (${count})`);
  const spec = { ...specOf(job), uploadId, partSize };
  return deps.store.presignParts(spec, partNumbers, urlLifetime(deps, job));
}

/** Parts S3 already holds, so an interrupted client can resume where it stopped. */
export async function listUploadedParts(deps: UploadDeps, job: JobRow) {
  return deps.store.listParts(job.object_key, multipartOf(deps, job).uploadId);
}

/**
 * Assembles a multipart upload from the client's part list. A repeated call after S3 already
 * assembled the object (the upload is gone) is fine: the HEAD in completeUpload decides.
 */
export async function assembleMultipart(
  deps: UploadDeps,
  job: JobRow,
  parts: { partNumber: number; etag: string }[],
) {
  try {
    await deps.store.completeMultipart(job.object_key, multipartOf(deps, job).uploadId, parts);
  } catch (err) {
    if (err instanceof InvalidPartsError) throw new UploadError("invalid_parts", err.message);
    throw err;
  }
}

/**
 * A part URL without its length signed, for clients that pick their own part size (Uppy). The
 * declared total size is still enforced: completion HEADs the assembled object.
 */
export function signPartOfAnySize(deps: UploadDeps, job: JobRow, partNumber: number): Promise<string> {
  const { uploadId } = multipartOf(deps, job);
  return deps.store.presignPartOfAnySize(job.object_key, uploadId, partNumber, urlLifetime(deps, job));
}

/** Seconds a URL signed now for this job may live: never past the job's upload expiry. */
export function urlLifetime(deps: Pick<UploadDeps, "config">, job: JobRow): number {
  return urlLifetimeSeconds(deps.config.uploads.urlTtlSeconds, new Date(job.upload_expires_at));
}

/** Removes whatever storage holds for an upload that will not complete. */
export async function discardUploadedData(deps: Pick<UploadDeps, "store">, job: JobRow): Promise<void> {
  if (job.multipart_upload_id) await deps.store.abortMultipart(job.object_key, job.multipart_upload_id);
  await deps.store.delete(job.object_key);
}

function multipartOf(deps: UploadDeps, job: JobRow) {
  if (job.upload_method !== "multipart" || !job.multipart_upload_id) {
    throw new UploadError("not_multipart", "this upload is not a multipart upload");
  }
  if (job.status !== "awaiting_upload") {
    throw new UploadError("upload_not_awaiting", `the job is ${job.status}, not awaiting an upload`);
  }
  const partSize = deps.config.uploads.partSizeBytes;
  return { uploadId: job.multipart_upload_id, partSize, count: partCount(Number(job.size), partSize) };
}
