import type { Db } from "../database.js";

/**
 * Records a live worker and the Postgres backend of its LISTEN connection (again after that
 * connection was re-established), and refreshes its heartbeat.
 */
export async function registerWorker(db: Db, workerId: string, backendPid: number): Promise<void> {
  await db
    .insertInto("workers")
    .values({ id: workerId, backend_pid: backendPid })
    .onConflict((oc) =>
      oc
        .column("id")
        .doUpdateSet((eb) => ({ backend_pid: eb.ref("excluded.backend_pid"), heartbeat_at: eb.fn("now") })),
    )
    .execute();
}
