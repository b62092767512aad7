import { sql } from "kysely";
import type { Db } from "../db/database.js";
import type { JobRow } from "../db/schema.js";
import type { JobStage } from "./state-machine.js";

export interface ClaimOptions {
  /** Identifies the worker holding the lease; every later write is fenced on it. */
  workerId: string;
  stages: readonly JobStage[];
  limit: number;
  leaseSeconds: number;
}

/**
 * Claims up to `limit` queued jobs in one statement: the inner SELECT … FOR UPDATE SKIP LOCKED
 * reads the partial index `jobs_claimable` in priority order and skips rows another worker is
 * claiming, and the UPDATE takes the lease and counts the attempt. A job that is not `queued`
 * (still awaiting its upload, say) can never be returned, whatever the timing.
 */
export async function claimJobs(db: Db, opts: ClaimOptions): Promise<JobRow[]> {
  if (opts.limit <= 0 || opts.stages.length === 0) return [];
  const { rows } = await sql<JobRow>`
    UPDATE jobs SET
      status = 'running',
      lease_owner = ${opts.workerId},
      lease_expires_at = now() + make_interval(secs => ${opts.leaseSeconds}),
      attempt = attempt + 1,
      claimed_at = now(),
      started_at = coalesce(started_at, now()),
      updated_at = now()
    WHERE id IN (
      SELECT id FROM jobs
      WHERE status = 'queued' AND stage = ANY(${sql.val(opts.stages)}::text[]) AND run_after <= now()
      ORDER BY priority DESC, run_after
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING *`.execute(db);
  return rows;
}
