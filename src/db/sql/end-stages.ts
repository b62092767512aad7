import { sql } from "kysely";
import type { Tx } from "../database.js";
import type { JobStage } from "../job-states.js";
import { prepared } from "../prepared.js";
import type { JobRow } from "../schema.js";
import { insertJobEvents, type NewJobEvent, notifyQueued } from "./job-events.js";
import { statusIn } from "./status-guard.js";

export interface StageEnd {
  job: JobRow;
  /** The attempt's fence: the row changes only while this owner holds this attempt. */
  fence: { id: string; attempt: number; workerId: string };
  /** The stage to queue next, or null when this was the last one (the job completes). */
  next: JobStage | null;
  /** Merged into the `stage_completed` event's data. */
  detail: Record<string, unknown>;
}

/**
 * The one statement through which every stage ends, for one job or many: a fenced UPDATE that
 * queues the next stage with a fresh attempt count (or completes the job), then each ended
 * job's `stage_completed` (and `completed`) event with its NOTIFY, then one queue NOTIFY per
 * stage queued. Returns the rows that ended; a job whose lease was lost changes nothing and is
 * absent. The UPDATE takes each row's lock before the events draw their ids, which keeps one
 * job's event ids in commit order (see the README on SSE).
 */
export async function endStages(trx: Tx, ends: StageEnd[]): Promise<JobRow[]> {
  if (ends.length === 0) return [];
  const { rows } = await endStagesStatement(ends).execute(trx);

  const ended = new Set(rows.map((r) => r.id));
  const events: NewJobEvent[] = [];
  const queued = new Set<JobStage>();
  for (const { job, next, detail } of ends) {
    if (!ended.has(job.id)) continue;
    const base = { jobId: job.id, tenantId: job.tenant_id };
    events.push({
      ...base,
      type: "stage_completed",
      data: { stage: job.stage, attempt: job.attempt, ...detail },
    });
    if (next) queued.add(next);
    else events.push({ ...base, type: "completed", data: { status: "completed" } });
  }
  await insertJobEvents(trx, events);
  for (const stage of queued) await notifyQueued(trx, stage);
  return rows;
}

/** The fenced UPDATE of `endStages`, as a statement (snapshotted in sql-snapshots.test.ts). */
export function endStagesStatement(ends: Pick<StageEnd, "fence" | "next">[]) {
  return prepared(sql<JobRow>`
    UPDATE jobs j SET
      status = CASE WHEN f.next IS NULL THEN 'completed' ELSE 'queued' END,
      stage = coalesce(f.next, j.stage),
      attempt = CASE WHEN f.next IS NULL THEN j.attempt ELSE 0 END,
      run_after = now(), lease_owner = NULL, lease_expires_at = NULL,
      error_code = NULL, error_message = NULL, error_stage = NULL, error_retryable = NULL,
      finished_at = CASE WHEN f.next IS NULL THEN now() END,
      -- Completing publishes the generation this run wrote: the atomic flip of a reprocess.
      output_generation = CASE WHEN f.next IS NULL THEN j.generation ELSE j.output_generation END,
      outputs_published = j.outputs_published OR f.next IS NULL,
      reused_from = CASE WHEN f.next IS NULL THEN NULL ELSE j.reused_from END,
      updated_at = now()
    FROM unnest(${sql.val(ends.map((e) => e.fence.id))}::uuid[],
                ${sql.val(ends.map((e) => e.fence.attempt))}::int[],
                ${sql.val(ends.map((e) => e.fence.workerId))}::text[],
                ${sql.val(ends.map((e) => e.next))}::text[]) AS f(id, attempt, owner, next)
    WHERE j.id = f.id AND j.attempt = f.attempt AND j.lease_owner = f.owner
      AND j.status IN ${statusIn("stage_succeeded")}
    RETURNING j.*`);
}
