import type { Db } from "../database.js";
import { EDGES } from "../job-states.js";
import { now } from "../now.js";
import type { JobRow } from "../schema.js";
import { appendJobEvent } from "./append-job-event.js";

/**
 * Cancels a job that has been uploaded and is not finished. A running job loses its lease
 * here, so its worker's fenced writes change nothing afterwards. An upload still awaiting is
 * ended by `endUpload` instead, which the upload service follows by removing its data.
 */
export async function cancelJob(
  db: Db,
  job: Pick<JobRow, "id" | "tenant_id">,
  reason: string,
): Promise<JobRow | undefined> {
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
