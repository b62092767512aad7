import { sql } from "kysely";
import type { Db } from "../db/database.js";
import { now } from "../db/now.js";
import { safeJson, safeText } from "../db/safe-values.js";
import type { JobRow } from "../db/schema.js";
import { endStages } from "../db/sql/end-stages.js";
import { appendJobEvent, notifyQueued, type Tx } from "./job-events.js";
import { type Fence, LeaseLostError, lockFenced, lockFencedIfHeld } from "./lease.js";
import { nextStage } from "./state-machine.js";

// How a claimed attempt ends: every statement here runs under the attempt's fence.

/**
 * Ends a stage inside the caller's transaction (which has already written the stage's outputs
 * under `lockFenced`): queues the next stage with a fresh attempt count, or completes the job,
 * through the same statement as the batched completions (`endStages`).
 */
export async function finishStage(
  trx: Tx,
  job: JobRow,
  detail: Record<string, unknown> = {},
): Promise<JobRow> {
  const fence = { id: job.id, attempt: job.attempt, workerId: job.lease_owner ?? "" };
  const [row] = await endStages(trx, [{ job, fence, next: nextStage(job.stage), detail }]);
  if (!row) throw new LeaseLostError(fence);
  return row;
}

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
    if (retrying && retryDelayMs === 0) await notifyQueued(trx, job.stage);
    return { job: row, retrying };
  });
}

/**
 * Gives a job back without spending its attempt (the claim's increment is undone): used when
 * a dependency is down (the job did not fail, its storage did), which `outage` counts in
 * `jobs.releases`, and on shutdown.
 */
export async function releaseJob(
  db: Db,
  fence: Fence,
  reason: string,
  delayMs = 0,
  opts: { outage?: boolean } = {},
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const job = await lockFencedIfHeld(trx, fence);
    if (!job) return false;
    await trx
      .updateTable("jobs")
      .set({
        status: "queued",
        attempt: sql<number>`greatest(attempt - 1, 0)`,
        releases: opts.outage ? sql<number>`releases + 1` : sql<number>`releases`,
        run_after: sql<Date>`now() + make_interval(secs => ${delayMs / 1000})`,
        lease_owner: null,
        lease_expires_at: null,
        updated_at: now(),
      })
      .where("id", "=", job.id)
      .execute();
    await appendJobEvent(trx, {
      jobId: job.id,
      tenantId: job.tenant_id,
      type: "released",
      data: {
        status: "queued",
        stage: job.stage,
        reason,
        retryInMs: delayMs,
        ...(opts.outage ? { releases: job.releases + 1 } : {}),
      },
    });
    if (delayMs === 0) await notifyQueued(trx, job.stage);
    return true;
  });
}

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
