import type { Db } from "../db/database.js";
import type { JobRow } from "../db/schema.js";
import { findJobById } from "../db/sql/find-job.js";
import { hasLiveReusers } from "../db/sql/has-live-reusers.js";
import { markJobDeleted } from "../db/sql/mark-job-deleted.js";
import { purgeJobOutputs } from "../db/sql/purge-job-outputs.js";
import { derivedTextKey } from "../storage/object-key.js";
import type { ObjectStore } from "../storage/object-store.js";
import { discardUploadedData } from "../uploads/service.js";

export interface DeleteJobDeps {
  db: Db;
  store: ObjectStore;
}

/**
 * DELETE: the job becomes a tombstone with its `deleted` event (a running job loses its lease
 * in that commit, so its worker's fenced writes change nothing), then its data is purged.
 * Storage is cleaned after the commit, as `endAwaitingUpload` does: nothing can complete or
 * claim the job any more. A crash before the purge finishes leaves a `deleted` row with no
 * `purged_at`, which the purge pass (`purgeDeletedJobs`) finishes. False when it was already
 * deleted (or is not the tenant's).
 */
export async function deleteJob(deps: DeleteJobDeps, job: JobRow, reason: string): Promise<boolean> {
  const deleted = await markJobDeleted(deps.db, job, reason);
  if (!deleted) return false;
  await purgeDeletedJob(deps, deleted);
  return true;
}

/**
 * Removes a deleted job's data; safe to repeat (every step is idempotent). The original
 * upload (and an unfinished multipart upload) always goes. The outputs go unless a live job
 * reuses them (dedup): reference counting by `reused_from`, so the reuser keeps working, and
 * the outputs go with the last reuser (its own purge retries its source). Answers whether
 * the outputs were removed.
 */
export async function purgeDeletedJob(deps: DeleteJobDeps, job: JobRow): Promise<boolean> {
  await discardUploadedData(deps, job);
  const outcome = await purgeOutputs(deps, job);
  // A reuser was the last reference to its source's outputs: purge the source if it is deleted.
  if (job.reused_from) {
    const source = await findJobById(deps.db, job.reused_from);
    if (source?.status === "deleted") await purgeOutputs(deps, source);
  }
  return outcome === "purged";
}

async function purgeOutputs(deps: DeleteJobDeps, job: JobRow) {
  // Storage first, rows second: while rows remain, purged_at stays unset and the pass retries.
  // The text objects are named by generation and attempt, so they are enumerated rather than
  // listed (the development S3 server has no listing); an attempt never exceeds max_attempts.
  const keys: string[] = [];
  for (let g = 0; g <= job.generation; g++)
    for (let a = 1; a <= job.max_attempts; a++) keys.push(derivedTextKey(job.tenant_id, job.id, g, a));
  if (await hasLiveReusers(deps.db, job.id)) return "shared";
  for (const key of keys) await deps.store.delete(key);
  return purgeJobOutputs(deps.db, job.id);
}
