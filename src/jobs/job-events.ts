import { sql } from "kysely";
import type { Tx } from "../db/database.js";
import { safeJson } from "../db/safe-values.js";
import type { JobStage } from "./state-machine.js";

/** Workers LISTEN here; the payload is the stage that has new work. */
export const QUEUE_CHANNEL = "intake_jobs";
/** API processes LISTEN here to fan job events out to SSE clients; the payload is {jobId,id}. */
export const EVENTS_CHANNEL = "intake_job_events";

export type { Tx };

export interface NewJobEvent {
  jobId: string;
  tenantId: string;
  type: string;
  data?: Record<string, unknown>;
}

/**
 * Writes an event and NOTIFYs its listeners, inside the caller's transaction. Postgres holds
 * NOTIFYs until commit and drops them on rollback, so no process hears of a change that did
 * not happen, and every listener that hears of it can already read it.
 */
export async function appendJobEvent(trx: Tx, event: NewJobEvent): Promise<string> {
  // One round trip: the INSERT and its NOTIFY (payload {"jobId","id"}) in one statement.
  const { rows } = await sql<{ id: string }>`
    WITH ev AS (
      INSERT INTO job_events (job_id, tenant_id, type, data)
      VALUES (${event.jobId}, ${event.tenantId}, ${event.type}, ${JSON.stringify(safeJson(event.data ?? {}))}::jsonb)
      RETURNING id, job_id)
    SELECT ev.id, pg_notify(${EVENTS_CHANNEL}, json_build_object('jobId', ev.job_id, 'id', ev.id::text)::text)
    FROM ev`.execute(trx);
  return rows[0]!.id;
}

/** Tells waiting workers that `stage` has a job; call in the transaction that queued it. */
export async function notifyQueued(trx: Tx, stage: JobStage): Promise<void> {
  await sql`SELECT pg_notify(${QUEUE_CHANNEL}, ${stage})`.execute(trx);
}

/** Takes the job's row lock for the rest of the transaction (see appendJobEvent's ordering). */
export async function lockJob(trx: Tx, jobId: string): Promise<void> {
  await trx.selectFrom("jobs").select("id").where("id", "=", jobId).forUpdate().execute();
}
