import { type InsertObject, sql } from "kysely";
import type { Db } from "../database.js";
import type { Database, JobRow } from "../schema.js";
import { appendJobEvent } from "./append-job-event.js";
import { assertWithinStorageLimits, type StorageLimits, tenantStorageUsage } from "./tenant-storage-usage.js";

export type NewUploadJob = Omit<InsertObject<Database, "jobs">, "upload_expires_at">;

/**
 * Inserts a job in `awaiting_upload`, or returns the tenant's existing job with the same
 * idempotency key. The unique index decides between concurrent callers: exactly one insert
 * wins and the others read its row, so one key is one job however many requests race.
 * `upload_expires_at` is `urlTtlSeconds` from the database's clock, like every timestamp.
 * With `limits`, a new job that takes the tenant over its bytes or documents rolls back with
 * StorageQuotaExceededError (the trigger counted it; see `tenantStorageUsage`).
 */
export async function insertUploadJob(
  db: Db,
  job: NewUploadJob,
  urlTtlSeconds: number,
  limits?: StorageLimits,
): Promise<{ job: JobRow; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("jobs")
      .values({ ...job, upload_expires_at: sql<Date>`now() + make_interval(secs => ${urlTtlSeconds})` })
      .onConflict((oc) =>
        oc.columns(["tenant_id", "idempotency_key"]).where("idempotency_key", "is not", null).doNothing(),
      )
      .returningAll()
      .executeTakeFirst();
    if (inserted) {
      await appendJobEvent(trx, {
        jobId: inserted.id,
        tenantId: inserted.tenant_id,
        type: "created",
        data: { status: inserted.status, filename: inserted.filename, size: Number(inserted.size) },
      });
      if (limits && (limits.maxBytes > 0 || limits.maxDocuments > 0)) {
        const usage = await tenantStorageUsage(trx, inserted.tenant_id);
        assertWithinStorageLimits(usage, limits, Number(inserted.size));
      }
      return { job: inserted, created: true };
    }
    const existing = await trx
      .selectFrom("jobs")
      .selectAll()
      .where("tenant_id", "=", job.tenant_id)
      .where("idempotency_key", "=", job.idempotency_key!)
      .executeTakeFirstOrThrow();
    return { job: existing, created: false };
  });
}
