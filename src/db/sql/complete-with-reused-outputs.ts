import type { Db } from "../database.js";
import type { Fence } from "../fence.js";
import { now } from "../now.js";
import { appendJobEvent } from "./append-job-event.js";
import { lockFenced } from "./lock-fenced.js";

/**
 * Completes a job (fenced) whose outputs are those of the completed job `reusedFrom`. The
 * source is share-locked and must still be completed: a DELETE of it that committed first
 * wins, and this answers false (the caller processes the job itself) instead of linking to
 * a job whose outputs a purge may be removing.
 */
export async function completeWithReusedOutputs(db: Db, fence: Fence, reusedFrom: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const job = await lockFenced(trx, fence);
    const source = await trx
      .selectFrom("jobs")
      .select("id")
      .where("id", "=", reusedFrom)
      .where("status", "=", "completed")
      .forShare()
      .executeTakeFirst();
    if (!source) return false;
    await trx
      .updateTable("jobs")
      .set({
        status: "completed",
        reused_from: reusedFrom,
        outputs_published: true,
        output_generation: job.generation,
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
    return true;
  });
}
