import type { Db } from "../db/database.js";
import type { JobRow } from "../db/schema.js";
import { findJobById } from "../db/sql/find-job.js";
import { queueVerifiedUpload } from "../db/sql/queue-verified-upload.js";
import { recordUploadRejected } from "../db/sql/record-upload-rejected.js";
import { type VerificationLock, withVerificationLock } from "../db/sql/verification-lock.js";
import type { Metrics } from "../observability/metrics.js";
import type { ObjectStore } from "../storage/object-store.js";
import { verifyUploadedObject } from "../storage/verify.js";

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
  store: ObjectStore;
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

/**
 * One verification of a job at a time, across processes: 50 concurrent completes of a 5 GiB
 * POST upload would otherwise read and hash it 50 times. A caller that finds the lock taken
 * waits for the holder, then reports what it did (usually `already`) from the row, or takes
 * the lock itself when the holder found no object. Reading the row and taking the lock is one
 * statement, which also serves as the re-read after each wait.
 */
async function complete(
  deps: CompletionDeps,
  job: JobRow,
  source: CompletionSource,
): Promise<CompletionResult> {
  if (job.status !== "awaiting_upload") return settled(job);
  for (let wait = 20; ; wait = Math.min(wait * 2, 250)) {
    const attempt = await withVerificationLock(deps.db, job.id, (lock) =>
      verifyAndQueue({ ...deps, db: lock.conn }, lock, source),
    );
    if (attempt.locked) return attempt.value;
    // The row as of now: a settled job (or a vanished one) needs no lock; still awaiting, the
    // lock is held by another completion.
    if (!attempt.job) return settled(job);
    if (attempt.job.status !== "awaiting_upload") return settled(attempt.job);
    await new Promise((r) => setTimeout(r, wait));
  }
}

async function verifyAndQueue(
  deps: CompletionDeps,
  lock: VerificationLock,
  source: CompletionSource,
): Promise<CompletionResult> {
  const { job } = lock;
  // The lock's read may predate a holder that queued the job and let go just before we took
  // it. The HEAD is harmless then (the UPDATE's guard decides), but nothing costly or
  // destructive runs on that read: the hash, the delete of a mismatched object and a `missing`
  // answer each re-read the job first, under the lock, and report a settled one as settled.
  const stillAwaiting = async () => {
    const current = await findJobById(deps.db, job.id);
    return current?.status === "awaiting_upload" ? null : settled(current ?? job);
  };
  const verification = await verifyUploadedObject(
    deps.store,
    {
      key: job.object_key,
      size: Number(job.size),
      contentType: job.content_type,
      sha256: job.sha256,
    },
    { beforeHash: async () => (await stillAwaiting()) === null },
  );
  if (verification.outcome !== "ok") {
    const already = await stillAwaiting();
    if (already) return already;
  }
  if (verification.outcome === "superseded") return settled(job);
  if (verification.outcome === "missing") return { outcome: "missing", job };
  if (verification.outcome === "mismatch") {
    // The object cannot become this job; remove it so a correct upload can take its place.
    await deps.store.delete(job.object_key);
    await recordUploadRejected(deps.db, job, {
      code: verification.code,
      detail: verification.detail,
      source,
    });
    return { outcome: "mismatch", job, code: verification.code, detail: verification.detail };
  }
  const queued = await queueVerifiedUpload(
    deps.db,
    job,
    { etag: verification.etag, contentSha256: verification.contentSha256 },
    source,
    lock,
  );
  if (queued) return { outcome: "ok", job: queued };
  // Another completion (or a cancel) committed first: report what it did.
  const current = await findJobById(deps.db, job.id);
  return settled(current ?? job);
}

function settled(job: JobRow): CompletionResult {
  return job.status === "cancelled" || job.status === "expired"
    ? { outcome: "not_awaiting", job }
    : job.status === "awaiting_upload"
      ? { outcome: "missing", job }
      : { outcome: "already", job };
}
