import { sql } from "kysely";
import type { Db } from "../db/database.js";
import { EDGES } from "../db/job-states.js";
import { now } from "../db/now.js";
import type { JobRow } from "../db/schema.js";
import { appendJobEvent } from "./job-events.js";

/**
 * Takes up to `limit` awaiting uploads that are due for a look and pushes their next look
 * `recheckSeconds` ahead in the same statement. SKIP LOCKED plus the pushed timestamp means
 * reconcilers in any number of processes split the work instead of repeating it.
 */
export async function takeUploadsToReconcile(
  db: Db,
  opts: { olderThanSeconds: number; recheckSeconds: number; limit: number },
): Promise<JobRow[]> {
  const { rows } = await sql<JobRow>`
    UPDATE jobs SET next_reconcile_at = now() + make_interval(secs => ${opts.recheckSeconds})
    WHERE id IN (
      SELECT id FROM jobs
      WHERE status = 'awaiting_upload' AND next_reconcile_at <= now()
        AND (created_at <= now() - make_interval(secs => ${opts.olderThanSeconds}) OR upload_expires_at <= now())
      ORDER BY next_reconcile_at
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING *`.execute(db);
  return rows;
}

/**
 * Ends an upload that will never complete (`expired` or `cancelled`) with its event, if it is
 * still awaiting (and, to expire, past its `upload_expires_at` by the database's clock).
 * Returns the row it changed, or undefined when another transition won or it is not yet due.
 */
export async function endUpload(
  db: Db,
  job: Pick<JobRow, "id" | "tenant_id">,
  status: "expired" | "cancelled",
  reason: string,
): Promise<JobRow | undefined> {
  return db.transaction().execute(async (trx) => {
    let update = trx
      .updateTable("jobs")
      .set({ status, finished_at: now(), updated_at: now() })
      .where("id", "=", job.id)
      .where("status", "in", EDGES.upload_expired.from);
    if (status === "expired") update = update.where("upload_expires_at", "<=", now());
    const row = await update.returningAll().executeTakeFirst();
    if (row) {
      await appendJobEvent(trx, {
        jobId: row.id,
        tenantId: row.tenant_id,
        type: status,
        data: { status, reason },
      });
    }
    return row;
  });
}

/**
 * Cancels a job that is not finished. A running job loses its lease here, so its worker's
 * fenced writes change nothing afterwards.
 */
export async function cancelJob(db: Db, job: Pick<JobRow, "id" | "tenant_id">, reason: string) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("jobs")
      .set({
        status: "cancelled",
        lease_owner: null,
        lease_expires_at: null,
        finished_at: now(),
        updated_at: now(),
      })
      .where("id", "=", job.id)
      .where("status", "in", EDGES.cancel.from)
      .returningAll()
      .executeTakeFirst();
    if (row) {
      await appendJobEvent(trx, {
        jobId: row.id,
        tenantId: row.tenant_id,
        type: "cancelled",
        data: { status: "cancelled", reason },
      });
    }
    return row;
  });
}
