import { sql } from "kysely";
import type { Db } from "../database.js";

/**
 * Records that a key was used, at most once a minute: the guard in the WHERE makes a second
 * caller within the minute (another request, another instance) change zero rows, so a busy key
 * costs one write a minute rather than one per request.
 */
export async function touchApiKey(db: Db, id: string): Promise<void> {
  await db
    .updateTable("api_keys")
    .set({ last_used_at: sql`now()` })
    .where("id", "=", id)
    .where((eb) =>
      eb.or([
        eb("last_used_at", "is", null),
        eb("last_used_at", "<", sql<Date>`now() - interval '1 minute'`),
      ]),
    )
    .execute();
}
