import { sql, type Transaction } from "kysely";
import type { Database } from "../db/schema.js";
import type { JobStage } from "./state-machine.js";

/** Workers LISTEN here; the payload is the stage that has new work. */
export const QUEUE_CHANNEL = "intake_jobs";
/** API processes LISTEN here to fan job events out to SSE clients; the payload is {jobId,id}. */
export const EVENTS_CHANNEL = "intake_job_events";

export type Tx = Transaction<Database>;

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
  const row = await trx
    .insertInto("job_events")
    .values({ job_id: event.jobId, tenant_id: event.tenantId, type: event.type, data: event.data ?? {} })
    .returning("id")
    .executeTakeFirstOrThrow();
  const payload = JSON.stringify({ jobId: event.jobId, id: row.id });
  await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${payload})`.execute(trx);
  return row.id;
}

/** Tells waiting workers that `stage` has a job; call in the transaction that queued it. */
export async function notifyQueued(trx: Tx, stage: JobStage): Promise<void> {
  await sql`SELECT pg_notify(${QUEUE_CHANNEL}, ${stage})`.execute(trx);
}

/** Takes the job's row lock for the rest of the transaction (see appendJobEvent's ordering). */
export async function lockJob(trx: Tx, jobId: string): Promise<void> {
  await trx.selectFrom("jobs").select("id").where("id", "=", jobId).forUpdate().execute();
}
