import type { Db } from "../database.js";
import type { Fence } from "../fence.js";
import { now } from "../now.js";
import { appendJobEvent } from "./append-job-event.js";
import { lockFenced } from "./lock-fenced.js";

/** Completes a job (fenced) whose outputs are those of the completed job `reusedFrom`. */
export async function completeWithReusedOutputs(db: Db, fence: Fence, reusedFrom: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const job = await lockFenced(trx, fence);
    await trx
      .updateTable("jobs")
      .set({
        status: "completed",
        reused_from: reusedFrom,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: now(),
        updated_at: now(),
      })
      .where("id", "=", job.id)
      .execute();
    await appendJobEvent(trx, {
      jobId: job.id,
      tenantId: job.tenant_id,
      type: "completed",
      data: { status: "completed", reusedFrom },
    });
  });
}
