import type { Db } from "../database.js";
import { EDGES } from "../job-states.js";
import { now } from "../now.js";
import type { JobRow } from "../schema.js";
import { appendJobEvent } from "./append-job-event.js";
import { notifyQueued } from "./job-events.js";

/** Resumes a failed job at the stage it failed in, with a fresh attempt count. */
export async function retryFailedJob(db: Db, tenantId: string, id: string): Promise<JobRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("jobs")
      .set({
        status: "queued",
        attempt: 0,
        releases: 0,
        run_after: now(),
        finished_at: null,
        updated_at: now(),
      })
      .where("id", "=", id)
      .where("tenant_id", "=", tenantId)
      .where("status", "in", EDGES.retry.from)
      .returningAll()
      .executeTakeFirst();
    if (row) {
      await appendJobEvent(trx, {
        jobId: row.id,
        tenantId: row.tenant_id,
        type: "retry_requested",
        data: { status: "queued", stage: row.stage },
      });
      await notifyQueued(trx, row.stage, [row.id]);
    }
    return row;
  });
}
