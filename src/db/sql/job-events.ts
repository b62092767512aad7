import { type RawBuilder, sql } from "kysely";
import type { Tx } from "../database.js";
import type { JobStage } from "../job-states.js";
import { prepared } from "../prepared.js";
import { queueNoticePayload } from "../queue-notice.js";
import { safeJson } from "../safe-values.js";
import { isWebhookSource } from "../webhook-events.js";
import { webhookOutbox } from "./webhook-outbox.js";

/**
 * Workers LISTEN here; the payload is the stage that has new work, with its jobs' ids when known
 * (queue-notice.ts).
 */
export const QUEUE_CHANNEL = "intake_jobs";
/** API processes LISTEN here to fan job events out to SSE clients; the payload is {jobId,id}. */
export const EVENTS_CHANNEL = "intake_job_events";

export interface NewJobEvent {
  jobId: string;
  tenantId: string;
  type: string;
  data?: Record<string, unknown>;
}

/**
 * The one SQL fragment that writes job events: two CTEs, `events` (the rows inserted from
 * `rows`, a VALUES list or a SELECT of job_id, tenant_id, type, data) and `notified` (one
 * NOTIFY {"jobId","id"} per event). The statement must reference `notified` so that it runs.
 * Postgres holds NOTIFYs until commit and drops them on rollback. The webhook outbox rides
 * along (see `webhookOutbox`): an event a tenant's endpoint subscribes to gets its delivery
 * row in this statement, and `notified` also counts the deliverers' NOTIFY so that it runs.
 * `types` lists the event types `rows` can hold; when no webhook is sent for any of them, the
 * outbox is left out.
 */
export function eventsWithNotify(rows: RawBuilder<unknown>, types?: readonly string[]): RawBuilder<unknown> {
  // Statements whose event types no webhook is sent for (a claim's `stage_started`) skip the
  // outbox: it is most of their planning time, and with it the pickup's.
  if (types && !types.some(isWebhookSource)) {
    return sql`events AS (
      INSERT INTO job_events (job_id, tenant_id, type, data) ${rows}
      RETURNING id, job_id
    ), notified AS (
      SELECT count(pg_notify(${EVENTS_CHANNEL}, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
      FROM events
    )`;
  }
  return sql`events AS (
      INSERT INTO job_events (job_id, tenant_id, type, data) ${rows}
      RETURNING id, job_id, tenant_id, type, created_at
    ), ${webhookOutbox()}, notified AS (
      SELECT count(pg_notify(${EVENTS_CHANNEL}, json_build_object('jobId', job_id, 'id', id::text)::text))
        + (SELECT n FROM webhook_notified) AS n
      FROM events
    )`;
}

/**
 * The data of a `stage_started` event, from the job row as it now is (`alias`): running the stage
 * of this attempt under this worker. Written by the claim and by a chained stage end.
 */
export function stageStartedData(alias: string): RawBuilder<unknown> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  return sql`jsonb_build_object('status', 'running', 'stage', ${col("stage")}, 'attempt', ${col("attempt")},
             'worker', ${col("lease_owner")})`;
}

/** Writes events (one statement for any number) and NOTIFYs them, in the caller's transaction. */
export async function insertJobEvents(trx: Tx, events: NewJobEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const { rows } = await insertJobEventsStatement(events).execute(trx);
  return rows.map((r) => r.id);
}

/** The statement of `insertJobEvents` (snapshotted in sql-snapshots.test.ts). */
export function insertJobEventsStatement(events: NewJobEvent[]) {
  const rows = sql`SELECT * FROM unnest(
      ${sql.val(events.map((e) => e.jobId))}::uuid[],
      ${sql.val(events.map((e) => e.tenantId))}::text[],
      ${sql.val(events.map((e) => e.type))}::text[],
      ${sql.val(events.map((e) => JSON.stringify(safeJson(e.data ?? {}))))}::jsonb[])`;
  return prepared(sql<{ id: string }>`
    WITH ${eventsWithNotify(rows, [...new Set(events.map((e) => e.type))])}
    SELECT events.id FROM events, notified ORDER BY events.id`);
}

/**
 * Tells waiting workers that `stage` has work; call in the transaction that queued it. With
 * `jobIds` (every job the transaction queued at that stage), an idle worker claims them by id.
 */
export async function notifyQueued(trx: Tx, stage: JobStage, jobIds: readonly string[] = []): Promise<void> {
  await prepared(sql`SELECT pg_notify(${QUEUE_CHANNEL}, ${queueNoticePayload(stage, jobIds)})`).execute(trx);
}
