import { sql } from "kysely";
import type { Db } from "../database.js";

/** Live (unexpired) SSE slots the tenant holds. */
export async function countStreamSlots(db: Db, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom("sse_stream_slots")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("tenant_id", "=", tenantId)
    .where("expires_at", ">", sql<Date>`now()`)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
