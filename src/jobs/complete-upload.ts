import type { S3Client } from "@aws-sdk/client-s3";
import type { Db } from "../db/database.js";
import { EDGES } from "../db/job-states.js";
import { now } from "../db/now.js";
import type { JobRow } from "../db/schema.js";
import type { Metrics } from "../observability/metrics.js";
import { deleteObject, verifyUploadedObject } from "../storage/verify.js";
import { appendJobEvent, lockJob, notifyQueued } from "./job-events.js";

export type CompletionSource = "callback" | "webhook" | "reconciler";

export type CompletionResult =
  /** This call verified the object and queued the job. */
  | { outcome: "ok"; job: JobRow }
  /** An earlier completion already did; nothing changed. */
  | { outcome: "already"; job: JobRow }
  /** No object yet; the job is unchanged and still not claimable. */
  | { outcome: "missing"; job: JobRow }
  /** The object was wrong and has been deleted; the job awaits a correct upload. */
  | { outcome: "mismatch"; job: JobRow; code: string; detail: string }
  /** The job was cancelled or expired before the object was verified. */
  | { outcome: "not_awaiting"; job: JobRow };

export interface CompletionDeps {
  db: Db;
  s3: S3Client;
  bucket: string;
  metrics?: Metrics;
}

/**
 * The one way an upload becomes a job that workers can see. The callback, the storage
 * webhook and the reconciler all call this. It HEADs the object first and only then, in one
 * transaction, moves the job from awaiting_upload to queued, writes its `uploaded` event and
 * NOTIFYs workers. The UPDATE's `status = 'awaiting_upload'` guard makes concurrent callers
 * safe: the row lock serialises them and every caller after the first updates zero rows and
 * reports `already`. No waiting or retrying is involved.
 */
export async function completeUpload(
  deps: CompletionDeps,
  job: JobRow,
  source: CompletionSource,
): Promise<CompletionResult> {
  const result = await complete(deps, job, source);
  deps.metrics?.completions.inc({ outcome: result.outcome, source });
  return result;
}

async function complete(
  deps: CompletionDeps,
  job: JobRow,
  source: CompletionSource,
): Promise<CompletionResult> {
  if (job.status !== "awaiting_upload") return settled(job);
  const verification = await verifyUploadedObject(deps.s3, {
    bucket: deps.bucket,
    key: job.object_key,
    size: Number(job.size),
    contentType: job.content_type,
    sha256: job.sha256,
  });
  if (verification.outcome === "missing") return { outcome: "missing", job };
  if (verification.outcome === "mismatch") {
    // The object cannot become this job; remove it so a correct upload can take its place.
    await deleteObject(deps.s3, deps.bucket, job.object_key);
    await deps.db.transaction().execute(async (trx) => {
      // Every event of a job is written under the job's row lock, so one job's event ids commit
      // in order; SSE streams rely on that to never skip an event.
      await lockJob(trx, job.id);
      await appendJobEvent(trx, {
        jobId: job.id,
        tenantId: job.tenant_id,
        type: "upload_rejected",
        data: { code: verification.code, detail: verification.detail, source },
      });
    });
    return { outcome: "mismatch", job, code: verification.code, detail: verification.detail };
  }
  const queued = await queueVerifiedUpload(
    deps.db,
    job,
    { etag: verification.etag, contentSha256: verification.contentSha256 },
    source,
  );
  if (queued) return { outcome: "ok", job: queued };
  // Another completion (or a cancel) committed first: report what it did.
  const current = await deps.db
    .selectFrom("jobs")
    .selectAll()
    .where("id", "=", job.id)
    .executeTakeFirstOrThrow();
  return settled(current);
}

function settled(job: JobRow): CompletionResult {
  return job.status === "cancelled" || job.status === "expired"
    ? { outcome: "not_awaiting", job }
    : job.status === "awaiting_upload"
      ? { outcome: "missing", job }
      : { outcome: "already", job };
}

/**
 * Moves an awaiting upload whose object was verified to `queued`, with its `uploaded` event and
 * the NOTIFY that wakes workers, in one transaction. Null when another transition (a
 * concurrent completion, a cancel) committed first: the status guard then matches no row.
 */
export async function queueVerifiedUpload(
  db: Db,
  job: Pick<JobRow, "id">,
  verified: { etag: string | null | undefined; contentSha256: string | null | undefined },
  source: CompletionSource,
): Promise<JobRow | null> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("jobs")
      .set((eb) => ({
        status: "queued",
        stage: "parse",
        uploaded_at: now(),
        run_after: now(),
        object_etag: verified.etag ?? null,
        content_sha256: verified.contentSha256 ?? eb.ref("sha256"),
        updated_at: now(),
      }))
      .where("id", "=", job.id)
      .where("status", "in", EDGES.upload_verified.from)
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    await appendJobEvent(trx, {
      jobId: row.id,
      tenantId: row.tenant_id,
      type: "uploaded",
      data: { status: "queued", stage: "parse", source, size: Number(row.size) },
    });
    await notifyQueued(trx, "parse");
    return row;
  });
}
