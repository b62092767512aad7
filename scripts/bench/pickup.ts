import { Logger, run } from "graphile-worker";
import { sql } from "kysely";
import pg from "pg";
import type { Db } from "../../src/db/database.js";
import { appendJobEvent } from "../../src/db/sql/append-job-event.js";
import { claimJobs } from "../../src/db/sql/claim.js";
import { notifyQueued } from "../../src/db/sql/job-events.js";
import { startWorker } from "../../src/worker/runtime.js";
import { commitStage } from "../../src/worker/stage.js";
import type { Stack } from "../../test/support/stack.js";
import { percentile } from "../lib/stats.js";
import { ensureTenant, insertJobs } from "./fixtures.js";
import { benchDeps } from "./intake-deps.js";

export interface PickupResult {
  intake: number[];
  graphile: number[];
  /** A real worker polling every 5 s (no LISTEN), measured over a short run. */
  pollMeasured: number[];
  /** 5 s polling simulated: uniform phase over the period plus a measured claim round trip. */
  pollSimulated: number[];
}

// Samples are spaced 2-12 ms apart so that each one measures a pickup from idle, not a queue
// behind the previous job's completion.
const idle = () => new Promise((r) => setTimeout(r, 2 + 10 * Math.random()));

/**
 * Completion commit → handler start, one job at a time, for intake (LISTEN/NOTIFY-woken claim
 * loop) and graphile-worker (add_job → task start) on the same Postgres with the same
 * concurrency. The clock starts just before COMMIT is sent, after the transaction's statements
 * (intake: the queued transition, its event and NOTIFY; graphile: add_job), so both include
 * the commit itself. Samples of the two systems alternate in blocks to share any drift.
 */
export async function measurePickup(
  stack: Stack,
  opts: { samples: number; concurrency: number; pollRunMs: number },
): Promise<PickupResult> {
  const url = await stack.createDatabase("bench_pickup");
  const deps = await benchDeps(stack, url, "bench-pickup");
  await ensureTenant(deps.db);
  const ids = await insertJobs(deps.db, opts.samples, "awaiting_upload");

  const started = new Map<string, (t: number) => void>();
  const worker = await startWorker({
    deps,
    databaseUrl: url,
    stages: ["parse"],
    concurrency: opts.concurrency,
    handlers: {
      parse: async (d, r) => {
        started.get(r.job.id)?.(performance.now());
        await commitStage(d, r, async () => undefined);
      },
    },
  });
  const gwStarted = new Map<number, (t: number) => void>();
  const runner = await run({
    connectionString: url,
    concurrency: opts.concurrency,
    noHandleSignals: true,
    logger: new Logger(() => () => {}),
    taskList: {
      pickup: async (payload) => {
        gwStarted.get((payload as { i: number }).i)?.(performance.now());
      },
    },
  });
  const gwClient = new pg.Client({ connectionString: url });
  await gwClient.connect();

  const intakeOne = async (id: string) => {
    let t0 = 0;
    const claimed = new Promise<number>((resolve) => started.set(id, resolve));
    await deps.db.transaction().execute(async (trx) => {
      await sql`UPDATE jobs SET status = 'queued', uploaded_at = now(), run_after = now(), updated_at = now()
                WHERE id = ${id} AND status = 'awaiting_upload'`.execute(trx);
      await appendJobEvent(trx, {
        jobId: id,
        tenantId: "bench",
        type: "uploaded",
        data: { status: "queued" },
      });
      // Named, as queueVerifiedUpload's NOTIFY names the job it queued.
      await notifyQueued(trx, "parse", [id]);
      t0 = performance.now();
    });
    const t1 = await claimed;
    started.delete(id);
    return t1 - t0;
  };
  const graphileOne = async (i: number) => {
    const begun = new Promise<number>((resolve) => gwStarted.set(i, resolve));
    await gwClient.query("BEGIN");
    await gwClient.query("SELECT graphile_worker.add_job('pickup', json_build_object('i', $1::int))", [i]);
    const t0 = performance.now();
    await gwClient.query("COMMIT");
    const t1 = await begun;
    gwStarted.delete(i);
    return t1 - t0;
  };

  const pollPromise = measurePolling(stack, opts.pollRunMs);
  const result: PickupResult = { intake: [], graphile: [], pollMeasured: [], pollSimulated: [] };
  const block = 50;
  for (let at = 0; at < opts.samples; at += block) {
    for (let i = at; i < Math.min(at + block, opts.samples); i++) {
      result.intake.push(await intakeOne(ids[i]!));
      await idle();
    }
    for (let i = at; i < Math.min(at + block, opts.samples); i++) {
      result.graphile.push(await graphileOne(i));
      await idle();
    }
  }
  const poll = await pollPromise;
  result.pollMeasured = poll.latencies;
  // Simulation: a job commits at a uniformly random moment of the 5 s period and waits for
  // the next poll, whose claim round trip is drawn from the claims the real poller timed.
  for (let i = 0; i < 100_000; i++) {
    const claim = poll.claimMs[Math.floor(Math.random() * poll.claimMs.length)] ?? 0;
    result.pollSimulated.push(Math.random() * 5000 + claim);
  }

  await gwClient.end();
  await runner.stop();
  await worker.stop();
  await deps.close();
  return result;
}

/** A worker that only polls every 5 s, as in the incident reports; jobs arrive at random. */
async function measurePolling(
  stack: Stack,
  runMs: number,
): Promise<{ latencies: number[]; claimMs: number[] }> {
  const url = await stack.createDatabase("bench_poll");
  const deps = await benchDeps(stack, url, "bench-poll");
  await ensureTenant(deps.db);
  const count = Math.max(10, Math.round(runMs / 400));
  const ids = await insertJobs(deps.db, count, "awaiting_upload");
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  const claimMs: number[] = [];
  let running = true;
  const poller = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 5000));
      const t = performance.now();
      const jobs = await claimJobs(deps.db, {
        workerId: "poller",
        stages: ["parse"],
        limit: 1000,
        leaseSeconds: 60,
      });
      const now = performance.now();
      claimMs.push(now - t);
      for (const j of jobs) latencies.push(now - committedAt.get(j.id)!);
    }
  })();
  const gap = runMs / count;
  for (const id of ids) {
    await new Promise((r) => setTimeout(r, gap * 2 * Math.random()));
    await complete(deps.db, id, committedAt);
  }
  // Let the last poll pick up what is left.
  await new Promise((r) => setTimeout(r, 5200));
  running = false;
  await poller;
  await deps.close();
  return { latencies, claimMs };
}

async function complete(db: Db, id: string, committedAt: Map<string, number>) {
  await db.transaction().execute(async (trx) => {
    await sql`UPDATE jobs SET status = 'queued', uploaded_at = now(), run_after = now()
              WHERE id = ${id}`.execute(trx);
    committedAt.set(id, performance.now());
  });
}

export const summarize = (samples: number[]) => ({
  p50: percentile(samples, 50),
  p99: percentile(samples, 99),
});
