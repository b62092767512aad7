import type { Db } from "../database.js";
import { EDGES } from "../job-states.js";
import { now } from "../now.js";
import type { JobRow } from "../schema.js";
import { appendJobEvent } from "./append-job-event.js";

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
