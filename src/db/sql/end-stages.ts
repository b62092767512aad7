import { type RawBuilder, sql } from "kysely";
import type { Tx } from "../database.js";
import type { Fence } from "../fence.js";
import { JOB_STAGES, type JobStage, nextStage } from "../job-states.js";
import { prepared } from "../prepared.js";
import { safeJson } from "../safe-values.js";
import type { WorkerJob } from "../schema.js";
import { isWebhookSource } from "../webhook-events.js";
import {
  eventsWithNotify,
  insertJobEvents,
  type NewJobEvent,
  QUEUE_CHANNEL,
  stageStartedData,
} from "./job-events.js";
import { statusIn } from "./status-guard.js";
import { workerJobColumns } from "./worker-job-columns.js";

/** Who takes the next stage at once, without a release and a claim (stage chaining). */
export interface StageChain {
  workerId: string;
  leaseSeconds: number;
  /** INTAKE_TENANT_MAX_RUNNING_PER_STAGE: a capped tenant's next stage is queued, not chained. */
  defaultCap: number | null;
}

export interface StageEnd {
  job: WorkerJob;
  /** The attempt's fence: the row changes only while this owner holds this attempt of this stage. */
  fence: Fence;
  /** Merged into the `stage_completed` event's data. */
  detail: Record<string, unknown>;
  /** Hand the next stage straight to this worker (running, attempt 1) instead of queueing it. */
  chain?: StageChain;
}

/** The stage after the fenced one (JOB_STAGES' order), or null when it was the last: the job completes. */
export const nextOf = (end: Pick<StageEnd, "fence">): JobStage | null => nextStage(end.fence.stage);

// The same, in SQL, of a stage column: the UPDATE derives it from the row instead of joining a
// list of next stages.
const nextStageOf = (stage: RawBuilder<unknown>): RawBuilder<JobStage | null> =>
  sql`(CASE ${stage} ${sql.join(
    JOB_STAGES.slice(0, -1).map((s, i) => sql`WHEN ${sql.lit(s)} THEN ${sql.lit(JOB_STAGES[i + 1])}`),
    sql` `,
  )} END)`;

/**
 * How every stage ends, for one job or many: a fenced UPDATE that queues the next stage with a
 * fresh attempt count (or completes the job, or, chained, leaves it running the next stage
 * under a new lease of the same worker), each ended job's `stage_completed` (and `completed`,
 * or `stage_started`) event with its NOTIFY, and one queue NOTIFY per stage queued. Returns the
 * rows that ended; a job whose lease was lost changes nothing and is absent. The UPDATE takes
 * each row's lock before the events draw their ids, which keeps one job's event ids in commit
 * order (see the README on SSE).
 *
 * Ends that complete no job are one statement (`endStagesWithEventsStatement`). Ends that
 * complete their job are two: the `completed` event feeds the webhook outbox, which reads the
 * job from its statement's snapshot, so the event is written by a statement after the UPDATE's.
 */
export async function endStages(trx: Tx, ends: StageEnd[]): Promise<WorkerJob[]> {
  return endStagesAnswering(trx, ends, "job");
}

/**
 * `endStages` for a caller that needs only which jobs ended (a batch of unchained ends): the same
 * statements, answering with ids instead of the 19 columns of each job, which the worker would
 * parse and drop.
 */
export async function endStagesReturningIds(trx: Tx, ends: StageEnd[]): Promise<string[]> {
  return (await endStagesAnswering(trx, ends, "id")).map((r) => r.id);
}

async function endStagesAnswering<R extends Returning>(
  trx: Tx,
  ends: StageEnd[],
  returning: R,
): Promise<ReturnedRow<R>[]> {
  const rows: ReturnedRow<R>[] = [];
  for (const round of roundsOfDistinctJobs(ends)) {
    const continuing = round.filter((e) => nextOf(e) !== null);
    const completing = round.filter((e) => nextOf(e) === null);
    if (continuing.length > 0)
      rows.push(...(await endStagesWithEventsStatement(continuing, returning).execute(trx)).rows);
    if (completing.length > 0) rows.push(...(await completeJobs(trx, completing, returning)));
  }
  return rows;
}

/** What the statements of a stage end answer per ended job: the job a worker reads, or its id. */
type Returning = "job" | "id";
type ReturnedRow<R extends Returning> = R extends "job" ? WorkerJob : Pick<WorkerJob, "id">;

/**
 * The ends split so that no statement ends one job twice: its statements look each end up by job
 * id. A job twice in one batch (a stale run's end beside the current run's) is rare; its second
 * end goes in a later statement of the same transaction, which sees what the first one did.
 */
function roundsOfDistinctJobs(ends: StageEnd[]): StageEnd[][] {
  const rounds: { ids: Set<string>; ends: StageEnd[] }[] = [];
  for (const end of ends) {
    let round = rounds.find((r) => !r.ids.has(end.fence.id));
    if (!round) {
      round = { ids: new Set(), ends: [] };
      rounds.push(round);
    }
    round.ids.add(end.fence.id);
    round.ends.push(end);
  }
  return rounds.map((r) => r.ends);
}

async function completeJobs<R extends Returning>(
  trx: Tx,
  ends: StageEnd[],
  returning: R,
): Promise<ReturnedRow<R>[]> {
  const { rows } = await endStagesStatement(ends, returning).execute(trx);
  const ended = new Set(rows.map((r) => r.id));
  const events: NewJobEvent[] = ends
    .filter(({ job }) => ended.has(job.id))
    .flatMap(({ job, detail }) => {
      const base = { jobId: job.id, tenantId: job.tenant_id };
      return [
        { ...base, type: "stage_completed", data: stageCompletedData(job, detail) },
        { ...base, type: "completed", data: { status: "completed" } },
      ];
    });
  await insertJobEvents(trx, events);
  return rows;
}

// The events of an end that completes no job, written in the UPDATE's own statement: the webhook
// outbox, which must read the job after its UPDATE, cannot ride along, so none may be a webhook's.
const ONE_STATEMENT_EVENTS = ["stage_completed", "stage_started"];
if (ONE_STATEMENT_EVENTS.some(isWebhookSource)) {
  throw new Error(
    "a webhook for stage_completed or stage_started needs endStages to write them after the UPDATE",
  );
}

const stageCompletedData = (job: WorkerJob, detail: Record<string, unknown>) => ({
  stage: job.stage,
  attempt: job.attempt,
  ...detail,
});

/**
 * Ends that queue or chain a next stage, with their events and NOTIFYs, in one statement: the
 * UPDATE of `endStagesStatement` as the `ended` CTE, then for each ended job, in the order of
 * `ends`, its `stage_completed` event and, when chained, its `stage_started`; then one queue
 * NOTIFY per stage that got a queued job. None of these events is sent as a webhook.
 */
export function endStagesWithEventsStatement<R extends Returning = "job">(
  ends: Pick<StageEnd, "job" | "fence" | "detail" | "chain">[],
  returning: R = "job" as R,
) {
  // Each end's place and `stage_completed` data, by job id: looked up per ended row, not joined
  // (see updateStatement on joins here).
  const byId = Object.fromEntries(
    ends.map((e, ord) => [e.job.id, { ord, data: safeJson(stageCompletedData(e.job, e.detail)) }]),
  );
  const rows = sql`
      SELECT e.id, e.tenant_id, x.type, x.data
      FROM ended e
      CROSS JOIN LATERAL (SELECT ${sql.val(JSON.stringify(byId))}::jsonb -> e.id::text AS d) d
      CROSS JOIN LATERAL (VALUES
        (1, 'stage_completed', d.d -> 'data'),
        (2, 'stage_started', CASE WHEN e.status = 'running' THEN ${stageStartedData("e")} END)
      ) AS x (n, type, data)
      WHERE x.data IS NOT NULL
      ORDER BY (d.d ->> 'ord')::int, x.n`;
  return prepared(sql<ReturnedRow<R>>`
    WITH ended AS (
      ${updateStatement(ends, "job")}
    ), ${eventsWithNotify(rows, ONE_STATEMENT_EVENTS)}, queue_notified AS (
      SELECT count(pg_notify(${QUEUE_CHANNEL}, q.stage)) AS n
      FROM (SELECT DISTINCT stage FROM ended WHERE status = 'queued') q
    )
    SELECT ${returning === "id" ? sql`ended.id` : sql`ended.*`} FROM ended, notified, queue_notified`);
}

/** The fenced UPDATE of `endStages`, as a statement (snapshotted in sql-snapshots.test.ts). */
export function endStagesStatement<R extends Returning = "job">(
  ends: Pick<StageEnd, "fence" | "chain">[],
  returning: R = "job" as R,
) {
  return prepared(updateStatement(ends, returning));
}

function updateStatement<R extends Returning>(
  ends: Pick<StageEnd, "fence" | "chain">[],
  returning: R,
): RawBuilder<ReturnedRow<R>> {
  const columns = returning === "id" ? sql`j.id` : workerJobColumns("j");
  const chains = ends.map((e) => (nextOf(e) ? e.chain : undefined));
  if (chains.some(Boolean)) return chainedEndStatement(ends, chains, columns);
  // Whether the end completes the job: the row is at the last stage (a matching fence names it).
  const completes = sql`(j.stage = ${sql.lit(JOB_STAGES[JOB_STAGES.length - 1])})`;
  // No join with the list of ends: a join's plan rests on the estimate of running jobs, which
  // the statistics of a queue table put near zero, and with it the planner rescanned the list
  // once per running row (256 ends: 65,280 rows compared, half the statement's time). Each end's
  // fence is looked up by the row's id in a jsonb object (a binary search), on the rows the
  // primary key finds: `fenceHolds`' fence (lock-fenced.ts), written for many rows. No
  // status qual: the `stage_succeeded` edge is from running only, and only a running job has an
  // owner (migration 0014's CHECK), while a status qual lets the planner scan the running-jobs
  // indexes instead of the primary key.
  const fences = Object.fromEntries(
    ends.map(({ fence: f }) => [f.id, { attempt: f.attempt, owner: f.workerId, stage: f.stage }]),
  );
  return sql<ReturnedRow<R>>`
    UPDATE jobs j SET
      status = CASE WHEN ${completes} THEN 'completed' ELSE 'queued' END,
      stage = coalesce(${nextStageOf(sql.ref("j.stage"))}, j.stage),
      attempt = CASE WHEN ${completes} THEN j.attempt ELSE 0 END,
      run_after = now(), lease_owner = NULL, lease_expires_at = NULL,
      ${endedColumns(completes)}
    WHERE j.id = ANY (${sql.val(ends.map((e) => e.fence.id))}::uuid[])
      AND ${sql.val(JSON.stringify(fences))}::jsonb -> j.id::text
          = jsonb_build_object('attempt', j.attempt, 'owner', j.lease_owner, 'stage', j.stage)
    RETURNING ${columns}`;
}

// What every end sets besides status, stage, attempt and the lease; `completes` says whether
// the end completes the job.
const endedColumns = (completes: RawBuilder<unknown>): RawBuilder<unknown> => sql`
      error_code = NULL, error_message = NULL, error_stage = NULL, error_retryable = NULL,
      finished_at = CASE WHEN ${completes} THEN now() END,
      -- Completing publishes the generation this run wrote: the atomic flip of a reprocess.
      output_generation = CASE WHEN ${completes} THEN j.generation ELSE j.output_generation END,
      outputs_published = j.outputs_published OR ${completes},
      reused_from = CASE WHEN ${completes} THEN NULL ELSE j.reused_from END,
      updated_at = now()`;

/**
 * Ends where some next stages go straight to their worker: such a job stays `running`, at the
 * next stage, attempt 1, under a new lease, unless its tenant has a cap on running jobs per
 * stage (the claim enforces caps; chaining would step around them), in which case it is queued.
 */
function chainedEndStatement<T>(
  ends: Pick<StageEnd, "fence">[],
  chains: (StageChain | undefined)[],
  columns: RawBuilder<unknown>,
): RawBuilder<T> {
  const defaultCap = chains.find(Boolean)?.defaultCap ?? null;
  return sql<T>`
    WITH f AS (
      SELECT f.*, f.next IS NOT NULL AND f.chain_owner IS NOT NULL
                  AND coalesce(t.max_running_per_stage, ${defaultCap}::int) IS NULL AS chained
      FROM unnest(${sql.val(ends.map((e) => e.fence.id))}::uuid[],
                  ${sql.val(ends.map((e) => e.fence.attempt))}::int[],
                  ${sql.val(ends.map((e) => e.fence.workerId))}::text[],
                  ${sql.val(ends.map((e) => e.fence.stage))}::text[],
                  ${sql.val(ends.map(nextOf))}::text[],
                  ${sql.val(chains.map((c) => c?.workerId ?? null))}::text[],
                  ${sql.val(chains.map((c) => c?.leaseSeconds ?? null))}::int[])
             AS f(id, attempt, owner, stage, next, chain_owner, lease_seconds)
      JOIN jobs r ON r.id = f.id
      JOIN tenants t ON t.id = r.tenant_id
    )
    UPDATE jobs j SET
      status = CASE WHEN f.next IS NULL THEN 'completed' WHEN f.chained THEN 'running' ELSE 'queued' END,
      stage = coalesce(f.next, j.stage),
      attempt = CASE WHEN f.next IS NULL THEN j.attempt WHEN f.chained THEN 1 ELSE 0 END,
      run_after = now(),
      lease_owner = CASE WHEN f.chained THEN f.chain_owner END,
      lease_expires_at = CASE WHEN f.chained THEN now() + make_interval(secs => f.lease_seconds) END,
      claimed_at = CASE WHEN f.chained THEN now() ELSE j.claimed_at END,
      ${endedColumns(sql`(f.next IS NULL)`)}
    FROM f
    WHERE j.id = f.id AND j.attempt = f.attempt AND j.lease_owner = f.owner AND j.stage = f.stage
      AND j.status IN ${statusIn("stage_chained")}
    RETURNING ${columns}`;
}
