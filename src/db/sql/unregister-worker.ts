import type { Db } from "../database.js";

/** A worker that stopped cleanly (its jobs were released) leaves the registry. */
export async function unregisterWorker(db: Db, workerId: string): Promise<void> {
  await db.deleteFrom("workers").where("id", "=", workerId).execute();
}
