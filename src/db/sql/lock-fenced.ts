import { type RawBuilder, sql } from "kysely";
import type { Tx } from "../database.js";
import { type Fence, LeaseLostError } from "../fence.js";
import { WORKER_JOB_COLUMNS, type WorkerJob } from "../schema.js";

/** Locks the job row if the fence still holds; throws LeaseLostError otherwise. */
export async function lockFenced(trx: Tx, fence: Fence): Promise<WorkerJob> {
  const row = await lockFencedStatement(trx, fence).executeTakeFirst();
  if (!row) throw new LeaseLostError(fence);
  return row;
}

/**
 * Like lockFenced, but a lost lease is an answer (null), not an error. Any other failure (the
 * database is unreachable) still throws, so the caller cannot mistake it for a lost lease.
 */
export async function lockFencedIfHeld(trx: Tx, fence: Fence): Promise<WorkerJob | null> {
  return (await lockFencedStatement(trx, fence).executeTakeFirst()) ?? null;
}

export function lockFencedStatement(trx: Tx, fence: Fence) {
  return trx.selectFrom("jobs").select(WORKER_JOB_COLUMNS).where(fenceHolds(fence)).forUpdate();
}

/**
 * The fence, as a condition on a `jobs` row: this owner holds this attempt of this stage of the
 * running job.
 * The one definition every fenced write uses, whether it locks first (`lockFenced`) or is
 * itself the fenced statement (a progress report, a batch of vectors).
 */
export function fenceHolds(fence: Fence): RawBuilder<boolean> {
  return sql<boolean>`(jobs.id = ${fence.id}::uuid AND jobs.lease_owner = ${fence.workerId}
    AND jobs.attempt = ${fence.attempt}::int AND jobs.stage = ${fence.stage} AND jobs.status = 'running')`;
}
