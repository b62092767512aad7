import { sql } from "kysely";
import { createDb } from "../../src/db/database.js";
import { insertJobEvents, type NewJobEvent } from "../../src/db/sql/job-events.js";
import type { Stack } from "../../test/support/stack.js";
import { cpuSecondsOf } from "./cpu-tree.js";
import { BENCH_TENANT, ensureTenant, insertJobs } from "./fixtures.js";

/**
 * What the events of a no-op stage cost Postgres on their own: a `stage_started` and a
 * `stage_completed` row per job (with the data a worker writes), through intake's own
 * `insertJobEvents`, 256 jobs a transaction, on one connection. Returns the CPU microseconds of
 * that connection's backend per job, the unit of the throughput case's CPU column: a lower bound
 * on what any design that keeps one event row per transition spends per no-op job.
 */
export async function measureEventCost(stack: Stack, jobs: number): Promise<number> {
  const url = await stack.createDatabase("bench_event_cost");
  const db = createDb({ connectionString: url, max: 1 });
  try {
    await ensureTenant(db);
    const ids = await insertJobs(db, jobs, "queued");
    await sql`VACUUM ANALYZE jobs`.execute(db);
    const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db);
    const backend = rows[0]!.pid;
    const batch = 256;
    const eventsOf = (id: string): NewJobEvent[] => [
      {
        jobId: id,
        tenantId: BENCH_TENANT,
        type: "stage_started",
        data: { status: "running", stage: "parse", attempt: 1, worker: "bench:1:event-cost" },
      },
      { jobId: id, tenantId: BENCH_TENANT, type: "stage_completed", data: { stage: "parse", attempt: 1 } },
    ];
    const cpu0 = cpuSecondsOf(backend);
    for (let i = 0; i < ids.length; i += batch) {
      const events = ids.slice(i, i + batch).flatMap(eventsOf);
      await db.transaction().execute((trx) => insertJobEvents(trx, events));
    }
    return ((cpuSecondsOf(backend) - cpu0) / ids.length) * 1e6;
  } finally {
    await db.destroy();
  }
}
