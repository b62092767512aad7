import { Logger, runMigrations } from "graphile-worker";
import { sql } from "kysely";
import { createDb } from "../../src/db/database.js";
import { notifyQueued } from "../../src/db/sql/job-events.js";
import { intakeEnv, type Stack } from "../../test/support/stack.js";
import { forkTs } from "../lib/ts-child.js";
import { cpuBetween, cpuSnapshot } from "./cpu-tree.js";
import { ensureTenant, insertJobs } from "./fixtures.js";
import type { ThroughputSystem } from "./throughput-child.js";

export interface ThroughputRun {
  system: ThroughputSystem;
  processes: number;
  concurrency: number;
  /** intake's INTAKE_WORKER_PREFETCH (jobs claimed ahead of a free slot). */
  prefetch?: number;
  jobs: number;
  seconds: number;
  jobsPerS: number;
  /** CPU microseconds per job while draining, by process: the workers, and Postgres (all backends). */
  cpuUsPerJob: { workers: number; postgres: number };
}

type Msg = { type: string };
const isReady = (m: Msg): m is Msg => m.type === "ready";

/**
 * Drains `jobs` no-op jobs through `processes` worker processes. The clock starts when the
 * commit that enqueued them all (with its NOTIFY) returns and stops when a 20 ms poll of the
 * queue finds it empty; the jobs are enqueued while the workers idle on LISTEN.
 */
export async function measureThroughput(
  stack: Stack,
  run: { system: ThroughputSystem; processes: number; concurrency: number; prefetch?: number; jobs: number },
  index: number,
): Promise<ThroughputRun> {
  const url = await stack.createDatabase(`bench_tp_${index}`);
  const db = createDb({ connectionString: url, max: 2 });
  const graphile = run.system.startsWith("graphile");
  if (graphile) await runMigrations({ connectionString: url, logger: new Logger(() => () => {}) });
  else await ensureTenant(db);
  const env = intakeEnv(stack, url, "bench-tp", { INTAKE_WORKER_PREFETCH: String(run.prefetch ?? 0) });
  const children = Array.from({ length: run.processes }, () =>
    forkTs<Msg>(
      new URL("./throughput-child.ts", import.meta.url),
      [run.system, String(run.concurrency)],
      env,
    ),
  );
  try {
    await Promise.all(children.map((c) => c.next(isReady, 60_000)));
    // Whether any job is left, by an index probe: a count(*) over the table every 20 ms took a
    // quarter of a core from the system measured, and more as the table grew.
    let anyLeft: () => Promise<boolean>;
    if (graphile) {
      await db.transaction().execute(async (trx) => {
        // add_jobs (graphile-worker's bulk enqueue) in one statement, as insertJobs does for intake.
        await sql`SELECT count(*) FROM graphile_worker.add_jobs(array(
          SELECT json_populate_recordset(null::graphile_worker.job_spec,
            (SELECT json_agg(json_build_object('identifier', 'noop', 'payload', '{}'::json))
             FROM generate_series(1, ${run.jobs}))::json)))`.execute(trx);
      });
      anyLeft = async () =>
        (
          await sql<{
            left: boolean;
          }>`SELECT EXISTS (SELECT 1 FROM graphile_worker._private_jobs) AS left`.execute(db)
        ).rows[0]!.left;
    } else {
      await db.transaction().execute(async (trx) => {
        await insertJobs(trx, run.jobs, "queued");
        await notifyQueued(trx, "parse");
      });
      anyLeft = async () =>
        (
          await sql<{ left: boolean }>`SELECT
            EXISTS (SELECT 1 FROM jobs WHERE status = 'queued' AND stage = 'parse')
            OR EXISTS (SELECT 1 FROM jobs WHERE status = 'running' AND stage = 'parse') AS left`.execute(db)
        ).rows[0]!.left;
    }
    const cpu0 = cpuSnapshot();
    const t0 = performance.now();
    const deadline = Date.now() + 600_000;
    while (await anyLeft()) {
      if (Date.now() > deadline) throw new Error(`${run.system}: jobs not drained within 600 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - t0) / 1000;
    const workerPids = new Set(children.map((c) => c.child.pid));
    const cpu = cpuBetween(cpu0, cpuSnapshot(), (pid, comm) =>
      workerPids.has(pid) ? "workers" : comm === "postgres" ? "postgres" : "other",
    );
    const perJob = (s = 0) => Math.round((s * 1e6) / run.jobs);
    return {
      ...run,
      seconds,
      jobsPerS: run.jobs / seconds,
      cpuUsPerJob: { workers: perJob(cpu.workers), postgres: perJob(cpu.postgres) },
    };
  } finally {
    for (const c of children) c.send({ type: "stop" });
    await Promise.all(children.map((c) => c.exited));
    await db.destroy();
  }
}
