import type { Db } from "../database.js";

/** The worker is alive (beside extending its leases). False when its row is gone (judged dead). */
export async function heartbeatWorker(db: Db, workerId: string): Promise<boolean> {
  const res = await db
    .updateTable("workers")
    .set((eb) => ({ heartbeat_at: eb.fn("now") }))
    .where("id", "=", workerId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
