import { sql } from "kysely";
import type { Db } from "../database.js";

/** Renews every slot a process holds; what it no longer renews expires. */
export async function renewStreamSlots(db: Db, holder: string, ttlSeconds: number): Promise<number> {
  const result = await db
    .updateTable("sse_stream_slots")
    .set({ expires_at: sql<Date>`now() + make_interval(secs => ${ttlSeconds})` })
    .where("holder", "=", holder)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
