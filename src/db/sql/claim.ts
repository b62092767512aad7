import { sql } from "kysely";
import { compiledOnce } from "../compiled-once.js";
import type { Db } from "../database.js";
import type { JobStage } from "../job-states.js";
import { prepared } from "../prepared.js";
import type { WorkerJob } from "../schema.js";
import { eventsWithNotify, stageStartedData } from "./job-events.js";
import { statusIn } from "./status-guard.js";
import { workerJobColumns } from "./worker-job-columns.js";

export interface ClaimOptions {
  /** Identifies the worker holding the lease; every later write is fenced on it. */
  workerId: string;
  stages: readonly JobStage[];
  limit: number;
  leaseSeconds: number;
  /**
   * Running jobs per stage a tenant may hold when its `tenants.max_running_per_stage` is null
   * (INTAKE_TENANT_MAX_RUNNING_PER_STAGE); null or absent: unlimited.
   */
  maxRunningPerStage?: number | null;
}

/**
 * Claims up to `limit` queued jobs in one statement, fairly across tenants (see
 * docs/design-notes.md, "Fair claiming"): each tenant with queued work offers its next jobs in
 * priority order, locked with FOR UPDATE SKIP LOCKED, and the batch takes them in the order
 * that keeps the tenants' running counts (divided by their shares) level. The UPDATE takes the
 * lease and counts the attempt. A job that is not `queued` can never be returned.
 */
export async function claimJobs(db: Db, opts: ClaimOptions): Promise<WorkerJob[]> {
  if (opts.limit <= 0 || opts.stages.length === 0) return [];
  const { rows } = await claimCompiled.execute(db, opts);
  return rows;
}

// Built and compiled once: every call is the same text (see compiledOnce).
export const claimCompiled = compiledOnce<ClaimOptions, WorkerJob>(
  ["workerId", "stages", "limit", "leaseSeconds", "maxRunningPerStage"],
  (opts) => claimStatement(opts),
);

/**
 * The claim as one statement.
 *
 * - `queued_tenants` walks `jobs_claimable_by_tenant` as a skip scan: one index probe per
 *   (stage, tenant) with queued work, however long each tenant's backlog is. Each probe orders
 *   by the index's full key, not just tenant_id: ordered by tenant_id alone, the planner may
 *   walk `jobs_tenant_list` (every job, not only queued ones) and filter, which read 100 000
 *   rows per probe for a stage with no queued jobs.
 * - `offers` takes, per tenant, its running count, its free slots (`intake_claim_slots` when a
 *   cap applies: a try-lock and a fresh count, so the cap holds across processes) and up to
 *   that many of its next jobs, locked SKIP LOCKED.
 * - `chosen` ranks a tenant's k-th offer at (running + k) / share: round-robin when nothing
 *   runs, and the tenants running least go first. Priority orders a tenant's own offers and
 *   breaks ties between tenants.
 *
 * Writes each job's `stage_started` event and NOTIFYs its listeners; the NOTIFY CTE is
 * referenced by the final SELECT so that it runs. Exported so that tests EXPLAIN exactly what
 * workers run.
 */
export function claimStatement(opts: ClaimOptions) {
  const queued = statusIn("claim");
  return prepared(sql<WorkerJob>`
    WITH RECURSIVE queued_tenants (stage, tenant_id) AS (
      SELECT s.stage, (SELECT j.tenant_id FROM jobs j
                       WHERE j.status IN ${queued} AND j.stage = s.stage
                       ORDER BY j.tenant_id, j.priority DESC, j.run_after LIMIT 1)
      FROM unnest(${sql.val(opts.stages)}::text[]) AS s (stage)
      UNION ALL
      SELECT q.stage, (SELECT j.tenant_id FROM jobs j
                       WHERE j.status IN ${queued} AND j.stage = q.stage AND j.tenant_id > q.tenant_id
                       ORDER BY j.tenant_id, j.priority DESC, j.run_after LIMIT 1)
      FROM queued_tenants q WHERE q.tenant_id IS NOT NULL
    ), offers AS (
      SELECT q.stage, q.tenant_id, t.claim_share, running.n AS running, offer.id, offer.ctid, offer.priority,
             offer.run_after
      FROM queued_tenants q
      JOIN tenants t ON t.id = q.tenant_id
      -- Only a ranking between tenants needs a tenant's running count, and counting visits
      -- every running job of the tenant: with one tenant waiting, it is not taken. OFFSET 0
      -- keeps it one count per tenant (flattened, it ran once per offer).
      CROSS JOIN LATERAL (
        SELECT CASE WHEN (SELECT count(*) FROM queued_tenants c WHERE c.tenant_id IS NOT NULL) > 1
                    THEN (SELECT count(*) FROM jobs r
                          WHERE r.status = 'running' AND r.tenant_id = q.tenant_id AND r.stage = q.stage)
                    ELSE 0 END AS n
        OFFSET 0) running
      CROSS JOIN LATERAL (
        SELECT CASE WHEN c.cap IS NULL THEN ${opts.limit}::int
                    ELSE least(${opts.limit}::int, intake_claim_slots(q.tenant_id, q.stage, c.cap)) END AS n
        FROM (SELECT coalesce(t.max_running_per_stage, ${opts.maxRunningPerStage ?? null}::int) AS cap) c) slots
      CROSS JOIN LATERAL (
        SELECT j.id, j.ctid, j.priority, j.run_after FROM jobs j
        WHERE j.status IN ${queued} AND j.stage = q.stage AND j.tenant_id = q.tenant_id AND j.run_after <= now()
        ORDER BY j.priority DESC, j.run_after
        LIMIT slots.n
        FOR UPDATE OF j SKIP LOCKED) offer
    ), chosen AS (
      SELECT id, ctid FROM offers
      ORDER BY (running + row_number() OVER (PARTITION BY stage, tenant_id ORDER BY priority DESC, run_after))::float8
                 / claim_share,
               priority DESC, run_after
      LIMIT ${opts.limit}
    ), claimed AS (
      ${takeLeases(opts)}
      -- By the row versions the offers locked: a TID scan, whatever the estimates, instead of a
      -- second primary-key lookup. No status check here: FOR UPDATE re-checked each offer's
      -- WHERE (status IN the claimable ones) on the version it locked, and nothing can change
      -- that version under the lock. A check here would let the planner scan the claimable
      -- index instead, which the generic plan (see createDb's genericPlans) did. A version
      -- newer than this statement's snapshot (changed while queued, after the claim began) is
      -- not seen by the TID scan: that job is left queued for the next claim, never claimed twice.
      WHERE jobs.ctid = ANY (ARRAY(SELECT ctid FROM chosen))
      RETURNING ${workerJobColumns("jobs")}
    ), ${startedEvents}
    SELECT claimed.* FROM claimed, notified`);
}

/** The UPDATE's head that takes the lease and counts the attempt; the caller adds the WHERE. */
const takeLeases = (opts: Pick<ClaimOptions, "workerId" | "leaseSeconds">) => sql`
      UPDATE jobs SET
        status = 'running',
        lease_owner = ${opts.workerId},
        lease_expires_at = now() + make_interval(secs => ${opts.leaseSeconds}),
        attempt = attempt + 1,
        claimed_at = now(),
        started_at = coalesce(started_at, now()),
        updated_at = now()`;

// Each claimed job's `stage_started` event with its NOTIFY, from the `claimed` CTE.
const startedEvents = eventsWithNotify(
  sql`
      SELECT id, tenant_id, 'stage_started', ${stageStartedData("claimed")} FROM claimed`,
  ["stage_started"],
);

/**
 * Claims jobs named by id, as announced by the NOTIFYs that queued them (queue-notice.ts), with
 * the same lease, attempt count and `stage_started` event as `claimJobs`. The claim loop calls it
 * only when a recent search of the queue came back short and the announced jobs fit in its free
 * slots (see `AnnouncedWork`): then a probe of the primary key replaces the fair search (about
 * 0.2 ms of a one-job claim's 0.75 ms). A job is skipped, left to the next `claimJobs`, when it
 * is no longer claimable (another worker took it, or it is locked: SKIP LOCKED), not yet due, of
 * another stage, or of a tenant under a running-jobs cap, which only the search enforces.
 */
export async function claimAnnouncedJobs(db: Db, opts: AnnouncedOptions): Promise<WorkerJob[]> {
  if (opts.jobIds.length === 0 || opts.stages.length === 0) return [];
  const { rows } = await claimAnnouncedCompiled.execute(db, opts);
  return rows;
}

type AnnouncedOptions = Omit<ClaimOptions, "limit"> & { jobIds: readonly string[] };
export const claimAnnouncedCompiled = compiledOnce<AnnouncedOptions, WorkerJob>(
  ["workerId", "stages", "leaseSeconds", "maxRunningPerStage", "jobIds"],
  (opts) => claimAnnouncedStatement(opts),
);

export function claimAnnouncedStatement(opts: AnnouncedOptions) {
  return prepared(sql<WorkerJob>`
    WITH announced AS (
      SELECT j.ctid FROM jobs j
      JOIN tenants t ON t.id = j.tenant_id
      WHERE j.id = ANY (${sql.val(opts.jobIds)}::uuid[])
        AND j.status IN ${statusIn("claim")} AND j.stage = ANY (${sql.val(opts.stages)}::text[])
        AND j.run_after <= now()
        AND coalesce(t.max_running_per_stage, ${opts.maxRunningPerStage ?? null}::int) IS NULL
      FOR UPDATE OF j SKIP LOCKED
    ), claimed AS (
      ${takeLeases(opts)}
      -- The row versions locked above, as in claimStatement.
      WHERE jobs.ctid = ANY (ARRAY(SELECT ctid FROM announced))
      RETURNING ${workerJobColumns("jobs")}
    ), ${startedEvents}
    SELECT claimed.* FROM claimed, notified`);
}
