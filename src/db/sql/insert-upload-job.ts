import { type InsertObject, sql } from "kysely";
import type { Db, Tx } from "../database.js";
import type { Database, JobRow } from "../schema.js";
import { eventsWithNotify } from "./job-events.js";
import { assertWithinStorageLimits, type StorageLimits, tenantStorageUsage } from "./tenant-storage-usage.js";

export type NewUploadJob = Omit<InsertObject<Database, "jobs">, "upload_expires_at">;

/**
 * Inserts a job in `awaiting_upload`, or returns the tenant's existing job with the same
 * idempotency key. The unique index decides between concurrent callers: exactly one insert
 * wins and the others read its row, so one key is one job however many requests race.
 * `upload_expires_at` is `urlTtlSeconds` from the database's clock, like every timestamp.
 * With `limits`, a new job that takes the tenant over its bytes or documents rolls back with
 * StorageQuotaExceededError (the trigger counted it; see `tenantStorageUsage`).
 *
 * The row and its `created` event are one statement. Without a storage limit that statement is
 * the whole create (its own transaction: one round trip); with one, the usage check after it
 * needs the explicit transaction. A replay's existing row is read by a statement of its own:
 * the winner may have committed after the insert's snapshot was taken.
 */
export async function insertUploadJob(
  db: Db,
  job: NewUploadJob,
  urlTtlSeconds: number,
  limits?: StorageLimits,
): Promise<{ job: JobRow; created: boolean }> {
  if (!limits || (limits.maxBytes <= 0 && limits.maxDocuments <= 0)) {
    const inserted = await insertWithEvent(db, job, urlTtlSeconds);
    return inserted ? { job: inserted, created: true } : { job: await findExisting(db, job), created: false };
  }
  return db.transaction().execute(async (trx) => {
    const inserted = await insertWithEvent(trx, job, urlTtlSeconds);
    if (!inserted) return { job: await findExisting(trx, job), created: false };
    const usage = await tenantStorageUsage(trx, inserted.tenant_id);
    assertWithinStorageLimits(usage, limits, Number(inserted.size));
    return { job: inserted, created: true };
  });
}

/**
 * The job and its `created` event; undefined when the idempotency key is taken. The event is
 * written from the INSERT's RETURNING in the same statement, which the webhook outbox could not
 * read the job of; no webhook is sent for `created` (test/queued-in-one-statement checks).
 */
async function insertWithEvent(db: Db | Tx, job: NewUploadJob, urlTtlSeconds: number) {
  const insert = db
    .insertInto("jobs")
    .values({ ...job, upload_expires_at: sql<Date>`now() + make_interval(secs => ${urlTtlSeconds})` })
    .onConflict((oc) =>
      oc.columns(["tenant_id", "idempotency_key"]).where("idempotency_key", "is not", null).doNothing(),
    )
    .returningAll();
  const events = eventsWithNotify(
    sql`SELECT id, tenant_id, 'created', jsonb_build_object('status', status, 'filename', filename, 'size', size)
      FROM inserted`,
    ["created"],
  );
  const { rows } = await sql<JobRow>`WITH inserted AS (${insert}), ${events}
    SELECT inserted.* FROM inserted, notified`.execute(db);
  return rows[0];
}

function findExisting(db: Db | Tx, job: NewUploadJob): Promise<JobRow> {
  return db
    .selectFrom("jobs")
    .selectAll()
    .where("tenant_id", "=", job.tenant_id)
    .where("idempotency_key", "=", job.idempotency_key!)
    .executeTakeFirstOrThrow();
}
