import { sql } from "kysely";
import type { Db } from "../database.js";
import type { JobRow } from "../schema.js";
import { appendJobEvent } from "./append-job-event.js";
import { notifyQueued } from "./job-events.js";
import { statusIn } from "./status-guard.js";

/**
 * Returns jobs whose lease expired (their worker died or hung) to the queue, or fails them
 * when that was their last attempt, each with its event. SKIP LOCKED lets every worker run
 * the reaper without two of them handling the same job; a job whose worker is mid-write is
 * locked by that write and is looked at next time. It reads running jobs through
 * `jobs_running_by_tenant` and filters by expiry: running jobs are bounded by the workers' slots,
 * and an index on the expiry would cost every claim an entry (migration 0015).
 */
export async function releaseExpiredLeases(db: Db, limit = 100): Promise<JobRow[]> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await releaseExpiredLeasesStatement(limit).execute(trx);
    for (const job of rows) {
      await appendJobEvent(trx, {
        jobId: job.id,
        tenantId: job.tenant_id,
        type: job.status === "queued" ? "lease_expired" : "failed",
        data: { status: job.status, stage: job.stage, attempt: job.attempt },
      });
    }
    for (const stage of new Set(rows.filter((j) => j.status === "queued").map((j) => j.stage))) {
      await notifyQueued(trx, stage);
    }
    return rows;
  });
}

export function releaseExpiredLeasesStatement(limit: number) {
  return sql<JobRow>`
    UPDATE jobs SET
      status = CASE WHEN attempt < max_attempts THEN 'queued' ELSE 'failed' END,
      lease_owner = NULL, lease_expires_at = NULL, run_after = now(), updated_at = now(),
      error_code = CASE WHEN attempt < max_attempts THEN error_code ELSE 'lease_expired' END,
      error_message = CASE WHEN attempt < max_attempts THEN error_message
        ELSE 'the worker holding this job stopped responding on its last attempt' END,
      error_stage = CASE WHEN attempt < max_attempts THEN error_stage ELSE stage END,
      error_retryable = CASE WHEN attempt < max_attempts THEN error_retryable ELSE true END,
      finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE now() END
    WHERE id IN (
      SELECT id FROM jobs WHERE status IN ${statusIn("lease_expired")} AND lease_expires_at < now()
      ORDER BY lease_expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING *`;
}
