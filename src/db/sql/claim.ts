import { sql } from "kysely";
import type { Db } from "../database.js";
import type { JobStage } from "../job-states.js";
import type { JobRow } from "../schema.js";
import { eventsWithNotify } from "./job-events.js";
import { statusIn } from "./status-guard.js";

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
  const { rows } = await claimStatement(opts).execute(db);
  return rows;
}

/**
 * The claim as one statement: take the leases, write each job's `stage_started` event and
 * NOTIFY its listeners. The NOTIFY CTE is referenced by the final SELECT so that it runs.
 * Exported so that a test can EXPLAIN exactly what workers run.
 */
export function claimStatement(opts: ClaimOptions) {
  return sql<JobRow>`
    WITH claimed AS (
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
        WHERE status IN ${statusIn("claim")} AND stage = ANY(${sql.val(opts.stages)}::text[]) AND run_after <= now()
        ORDER BY priority DESC, run_after
        LIMIT ${opts.limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING *
    ), ${eventsWithNotify(sql`
      SELECT id, tenant_id, 'stage_started',
             jsonb_build_object('status', 'running', 'stage', stage, 'attempt', attempt, 'worker', lease_owner)
      FROM claimed`)}
    SELECT claimed.* FROM claimed, notified`;
}
