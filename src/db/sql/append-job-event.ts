import type { Tx } from "../database.js";
import { insertJobEvents, type NewJobEvent } from "./job-events.js";

/**
 * Writes one event and NOTIFYs its listeners, inside the caller's transaction, so no process
 * hears of a change that did not commit, and every listener that hears of it can read it.
 */
export async function appendJobEvent(trx: Tx, event: NewJobEvent): Promise<string> {
  const [id] = await insertJobEvents(trx, [event]);
  return id!;
}
