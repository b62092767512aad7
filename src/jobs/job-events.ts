import type { Tx } from "../db/database.js";
import { insertJobEvents, type NewJobEvent } from "../db/sql/job-events.js";

export { EVENTS_CHANNEL, type NewJobEvent, notifyQueued, QUEUE_CHANNEL } from "../db/sql/job-events.js";
export type { Tx };

/**
 * Writes an event and NOTIFYs its listeners, inside the caller's transaction, so no process
 * hears of a change that did not commit, and every listener that hears of it can read it.
 */
export async function appendJobEvent(trx: Tx, event: NewJobEvent): Promise<string> {
  const [id] = await insertJobEvents(trx, [event]);
  return id!;
}

/** Takes the job's row lock for the rest of the transaction (see appendJobEvent's ordering). */
export async function lockJob(trx: Tx, jobId: string): Promise<void> {
  await trx.selectFrom("jobs").select("id").where("id", "=", jobId).forUpdate().execute();
}
