import { randomUUID } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  ListPartsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { sql } from "kysely";
import type { Config } from "../config/index.js";
import type { Db } from "../db/database.js";
import type { JobRow } from "../db/schema.js";
import { type CompletionResult, type CompletionSource, completeUpload } from "../jobs/complete-upload.js";
import { insertUploadJob } from "../jobs/create-upload.js";
import { endUpload } from "../jobs/upload-lifecycle.js";
import type { Metrics } from "../observability/metrics.js";
import { pipelineKey } from "../pipeline/settings.js";
import { objectKeyFor } from "../storage/object-key.js";
import {
  createMultipart,
  type ObjectSpec,
  partCount,
  presignParts,
  presignPost,
  presignPut,
  type UploadInstructions,
} from "../storage/presign.js";
import { deleteObject } from "../storage/verify.js";
import type { CreateUploadBody } from "./schemas.js";
import { UploadError } from "./upload-error.js";

export interface UploadDeps {
  config: Config;
  db: Db;
  s3: S3Client;
  /** Signs URLs for the host clients reach (S3_PUBLIC_ENDPOINT); defaults to `s3`. */
  presignS3?: S3Client;
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
  return completeUpload(
    { db: deps.db, s3: deps.s3, bucket: deps.config.s3.bucket, metrics: deps.metrics },
    job,
    source,
  );
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

/** Parts signed up front; more are signed on request (`POST …/parts`). */
const INITIAL_PARTS = 1000;

const specOf = (deps: UploadDeps, job: JobRow): ObjectSpec => ({
  bucket: deps.config.s3.bucket,
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
  const id = randomUUID();
  const key = objectKeyFor(tenantId, id, body.filename);
  const multipart = body.size >= uploads.multipartThresholdBytes;
  const spec: ObjectSpec = {
    bucket: deps.config.s3.bucket,
    key,
    contentType: body.contentType,
    size: body.size,
    sha256: body.sha256 ?? null,
  };
  const uploadId = multipart ? await createMultipart(deps.s3, spec) : null;
  const { job, created } = await insertUploadJob(deps.db, {
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
    // The database's clock, like every other timestamp (the reconciler compares it with now()).
    upload_expires_at: sql<Date>`now() + make_interval(secs => ${uploads.urlTtlSeconds})`,
    idempotency_key: body.idempotencyKey ?? null,
    metadata: body.metadata ?? {},
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
  });
  if (!created) {
    if (uploadId) await abortMultipart(deps.s3, spec.bucket, key, uploadId);
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
  const signer = deps.presignS3 ?? deps.s3;
  const ttl = deps.config.uploads.urlTtlSeconds;
  const spec = specOf(deps, job);
  if (job.upload_method === "PUT") return presignPut(signer, spec, ttl);
  if (job.upload_method === "POST") return presignPost(signer, spec, ttl);
  const partSize = deps.config.uploads.partSizeBytes;
  const count = partCount(spec.size, partSize);
  const numbers = Array.from({ length: Math.min(count, INITIAL_PARTS) }, (_, i) => i + 1);
  return {
    method: "multipart",
    uploadId: job.multipart_upload_id!,
    partSize,
    partCount: count,
    parts: await presignParts(
      signer,
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
  const spec = { ...specOf(deps, job), uploadId, partSize };
  return presignParts(deps.presignS3 ?? deps.s3, spec, partNumbers, deps.config.uploads.urlTtlSeconds);
}

/** Parts S3 already holds, so an interrupted client can resume where it stopped. */
export async function listUploadedParts(deps: UploadDeps, job: JobRow) {
  const { uploadId } = multipartOf(deps, job);
  const parts: { partNumber: number; etag: string; size: number }[] = [];
  let marker: string | undefined;
  do {
    const res = await deps.s3.send(
      new ListPartsCommand({
        Bucket: deps.config.s3.bucket,
        Key: job.object_key,
        UploadId: uploadId,
        PartNumberMarker: marker,
      }),
    );
    for (const p of res.Parts ?? []) parts.push({ partNumber: p.PartNumber!, etag: p.ETag!, size: p.Size! });
    marker = res.IsTruncated ? res.NextPartNumberMarker : undefined;
  } while (marker);
  return parts;
}

/**
 * Assembles a multipart upload from the client's part list. A repeated call after S3 already
 * assembled the object (NoSuchUpload) is fine: the HEAD in completeUpload decides.
 */
export async function assembleMultipart(
  deps: UploadDeps,
  job: JobRow,
  parts: { partNumber: number; etag: string }[],
) {
  const { uploadId } = multipartOf(deps, job);
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  try {
    await deps.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: deps.config.s3.bucket,
        Key: job.object_key,
        UploadId: uploadId,
        MultipartUpload: { Parts: sorted.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
  } catch (err) {
    const name = (err as Error).name;
    if (name === "NoSuchUpload") return;
    if (name === "InvalidPart" || name === "InvalidPartOrder" || name === "EntityTooSmall") {
      throw new UploadError("invalid_parts", `S3 refused the part list: ${(err as Error).message}`);
    }
    throw err;
  }
}

/** Removes whatever storage holds for an upload that will not complete. */
export async function discardUploadedData(
  deps: Pick<UploadDeps, "s3" | "config">,
  job: JobRow,
): Promise<void> {
  if (job.multipart_upload_id) {
    await abortMultipart(deps.s3, deps.config.s3.bucket, job.object_key, job.multipart_upload_id);
  }
  await deleteObject(deps.s3, deps.config.s3.bucket, job.object_key);
}

async function abortMultipart(s3: S3Client, bucket: string, key: string, uploadId: string) {
  try {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch (err) {
    if ((err as Error).name !== "NoSuchUpload") throw err;
  }
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
