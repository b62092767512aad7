import { sql } from "kysely";
import type { Db } from "../database.js";
import type { Fence } from "../fence.js";
import { now } from "../now.js";
import { safeText } from "../safe-values.js";
import type { JobRow } from "../schema.js";
import { appendJobEvent } from "./append-job-event.js";
import { notifyQueued } from "./job-events.js";
import { lockFencedIfHeld } from "./lock-fenced.js";

export interface StageError {
  code: string;
  message: string;
  retryable: boolean;
}

/**
 * Records a failed attempt: retry after `retryDelayMs` when the error is retryable and
 * attempts remain, else `failed` with the error. Fenced; returns null if the lease was lost.
 */
export async function failAttempt(
  db: Db,
  fence: Fence,
  error: StageError,
  retryDelayMs: number,
): Promise<{ job: JobRow; retrying: boolean } | null> {
  const message = safeText(error.message);
  return db.transaction().execute(async (trx) => {
    const job = await lockFencedIfHeld(trx, fence);
    if (!job) return null;
    const retrying = error.retryable && job.attempt < job.max_attempts;
    const row = await trx
      .updateTable("jobs")
      .set({
        status: retrying ? "queued" : "failed",
        run_after: sql<Date>`now() + make_interval(secs => ${retryDelayMs / 1000})`,
        lease_owner: null,
        lease_expires_at: null,
        error_code: error.code,
        error_message: message.slice(0, 2000),
        error_stage: job.stage,
        error_retryable: error.retryable,
        finished_at: retrying ? null : now(),
        updated_at: now(),
      })
      .where("id", "=", job.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendJobEvent(trx, {
      jobId: job.id,
      tenantId: job.tenant_id,
      type: retrying ? "retry_scheduled" : "failed",
      data: {
        status: row.status,
        stage: job.stage,
        attempt: job.attempt,
        error: { code: error.code, message: message.slice(0, 500), retryable: error.retryable },
        ...(retrying ? { retryInMs: retryDelayMs } : {}),
      },
    });
    if (retrying && retryDelayMs === 0) await notifyQueued(trx, job.stage, [job.id]);
    return { job: row, retrying };
  });
}
