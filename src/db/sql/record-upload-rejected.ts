import type { Db } from "../database.js";
import type { JobRow } from "../schema.js";
import { appendJobEvent } from "./append-job-event.js";
import { lockJob } from "./lock-job.js";

/**
 * Records that an uploaded object was refused (its size, type or checksum was wrong); the job
 * stays awaiting a correct upload. The event is written under the job's row lock, like every
 * event of a job, so the job's event ids commit in order.
 */
export async function recordUploadRejected(
  db: Db,
  job: Pick<JobRow, "id" | "tenant_id">,
  data: { code: string; detail: string; source: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockJob(trx, job.id);
    await appendJobEvent(trx, { jobId: job.id, tenantId: job.tenant_id, type: "upload_rejected", data });
  });
}
