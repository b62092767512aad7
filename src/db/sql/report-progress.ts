import type { Db } from "../database.js";
import type { Fence } from "../fence.js";
import { now } from "../now.js";
import { safeJson } from "../safe-values.js";
import { appendJobEvent } from "./append-job-event.js";
import { lockFencedIfHeld } from "./lock-fenced.js";

/** Records progress (fenced) and publishes it as an event. */
export async function reportProgress(
  db: Db,
  fence: Fence,
  progress: Record<string, unknown>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const job = await lockFencedIfHeld(trx, fence);
    if (!job) return false;
    await trx
      .updateTable("jobs")
      .set({ progress: safeJson(progress), updated_at: now() })
      .where("id", "=", job.id)
      .execute();
    await appendJobEvent(trx, {
      jobId: job.id,
      tenantId: job.tenant_id,
      type: "progress",
      data: { stage: job.stage, ...progress },
    });
    return true;
  });
}
