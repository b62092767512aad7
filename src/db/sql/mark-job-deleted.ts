import type { Db } from "../database.js";
import { EDGES } from "../job-states.js";
import { now } from "../now.js";
import type { JobRow } from "../schema.js";
import { appendJobEvent } from "./append-job-event.js";

/**
 * Makes a job a tombstone (`deleted`) from any state, with its `deleted` event. A running job
 * loses its lease here, so its worker's fenced writes change nothing afterwards. The event is
 * written after the UPDATE, in the next statement: the webhook outbox reads the job row from
 * the statement's snapshot, so `job.deleted` carries status `deleted`. The data is removed
 * after this commits (see `purgeDeletedJob`); undefined when the job was already deleted.
 */
export async function markJobDeleted(
  db: Db,
  job: Pick<JobRow, "id" | "tenant_id">,
  reason: string,
): Promise<JobRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("jobs")
      .set((eb) => ({
        status: "deleted",
        lease_owner: null,
        lease_expires_at: null,
        deleted_at: now(),
        purged_at: null,
        finished_at: eb.fn.coalesce("finished_at", now()),
        updated_at: now(),
      }))
      .where("id", "=", job.id)
      .where("tenant_id", "=", job.tenant_id)
      .where("status", "in", EDGES.delete.from)
      .returningAll()
      .executeTakeFirst();
    if (row) {
      await appendJobEvent(trx, {
        jobId: row.id,
        tenantId: row.tenant_id,
        type: "deleted",
        data: { status: "deleted", reason },
      });
    }
    return row;
  });
}
