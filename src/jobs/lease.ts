import { sql } from "kysely";
import type { Db } from "../db/database.js";
import type { JobRow } from "../db/schema.js";
import type { Tx } from "./job-events.js";

/**
 * What a worker proves on every write after its claim: it is the lease owner of this attempt
 * of a running job. A worker whose lease expired and was taken over fails the check, so its
 * writes change zero rows (and its transaction, with any outputs, rolls back).
 */
export interface Fence {
  id: string;
  workerId: string;
  attempt: number;
}

export class LeaseLostError extends Error {
  override name = "LeaseLostError";
  constructor(readonly fence: Fence) {
    super(`lease on job ${fence.id} (attempt ${fence.attempt}) is no longer held by ${fence.workerId}`);
  }
}

export const fenceOf = (job: JobRow, workerId: string): Fence => ({
  id: job.id,
  workerId,
  attempt: job.attempt,
});

/** Locks the job row if the fence still holds; throws LeaseLostError otherwise. */
export async function lockFenced(trx: Tx, fence: Fence): Promise<JobRow> {
  const row = await trx
    .selectFrom("jobs")
    .selectAll()
    .where("id", "=", fence.id)
    .where("lease_owner", "=", fence.workerId)
    .where("attempt", "=", fence.attempt)
    .where("status", "=", "running")
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new LeaseLostError(fence);
  return row;
}

/** Extends the leases a worker still holds; returns the ids it no longer holds. */
export async function extendLeases(
  db: Db,
  workerId: string,
  held: { id: string; attempt: number }[],
  leaseSeconds: number,
): Promise<string[]> {
  if (held.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => ${leaseSeconds})
    FROM unnest(${sql.val(held.map((h) => h.id))}::uuid[], ${sql.val(held.map((h) => h.attempt))}::int[]) AS h(id, attempt)
    WHERE j.id = h.id AND j.attempt = h.attempt AND j.lease_owner = ${workerId} AND j.status = 'running'
    RETURNING j.id`.execute(db);
  const kept = new Set(rows.map((r) => r.id));
  return held.filter((h) => !kept.has(h.id)).map((h) => h.id);
}

/**
 * Like lockFenced, but a lost lease is an answer (null), not an error. Any other failure (the
 * database is unreachable) still throws, so the caller cannot mistake it for a lost lease.
 */
export async function lockFencedIfHeld(trx: Tx, fence: Fence): Promise<JobRow | null> {
  try {
    return await lockFenced(trx, fence);
  } catch (err) {
    if (err instanceof LeaseLostError) return null;
    throw err;
  }
}
