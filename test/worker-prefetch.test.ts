import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../src/observability/logger.js";
import { Metrics } from "../src/observability/metrics.js";
import { createStageDeps } from "../src/worker/deps.js";
import { startWorker, type Worker } from "../src/worker/runtime.js";
import { commitStage, type StageHandler } from "../src/worker/stage.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { uploadFile } from "./helpers/upload.js";

// INTAKE_WORKER_PREFETCH: a worker claims jobs ahead of its free slots and keeps them leased in
// a local queue. What Postgres holds must say so (running, owned by the worker), their leases
// must be kept alive while they wait, and a stop must give them back without spending an attempt.

describe("worker prefetch", () => {
  let ctx: TestContext;
  let t: TestApp;
  let worker: Worker | undefined;
  const started: string[] = [];
  let unblock: () => void = () => {};
  let blocked = new Promise<void>((r) => {
    unblock = r;
  });

  beforeEach(async () => {
    ctx = await createTestContext({ INTAKE_WORKER_PREFETCH: "2", INTAKE_LEASE_SECONDS: "1" });
    t = await createTestApp(ctx);
    started.length = 0;
    blocked = new Promise<void>((r) => {
      unblock = r;
    });
  });
  afterEach(async () => {
    unblock();
    await worker?.stop(1000);
    worker = undefined;
    await ctx.close();
  });

  const handler: StageHandler = async (deps, run) => {
    started.push(run.job.id);
    await blocked;
    await commitStage(deps, run, async () => undefined);
  };
  const start = async () => {
    const deps = createStageDeps({
      config: ctx.config,
      db: ctx.db,
      store: ctx.store,
      logger: silentLogger,
      metrics: new Metrics(),
    });
    worker = await startWorker({
      deps,
      databaseUrl: ctx.databaseUrl,
      stages: ["parse"],
      concurrency: 1,
      pollIntervalMs: 100,
      handlers: { parse: handler },
    });
    return worker;
  };
  const rows = (ids: string[]) =>
    ctx.db
      .selectFrom("jobs")
      .select(["id", "status", "stage", "attempt", "lease_owner", "lease_expires_at"])
      .where("id", "in", ids)
      .execute();
  const until = async (what: () => Promise<boolean>) => {
    const deadline = Date.now() + 15_000;
    while (!(await what())) {
      if (Date.now() > deadline) throw new Error("condition not reached in 15 s");
      await new Promise((r) => setImmediate(r));
    }
  };

  it("holds concurrency + prefetch jobs leased, starts one, and runs the rest as slots free", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await uploadFile(t, `p${i}.txt`, "text/plain", `prefetch ${i}`));
    const w = await start();
    // The claim commits before its worker has the rows back: wait for the handler's start too.
    await until(
      async () =>
        started.length === 1 && (await rows(ids)).filter((r) => r.status === "running").length === 3,
    );
    const held = (await rows(ids)).filter((r) => r.status === "running");
    expect(held.every((r) => r.lease_owner === w.workerId)).toBe(true);
    expect(started).toHaveLength(1);

    // Leases of the waiting jobs are extended (1 s leases; the heartbeat runs every 333 ms).
    const waiting = held.find((r) => r.id !== started[0])!;
    const firstExpiry = waiting.lease_expires_at!.getTime();
    await until(async () => {
      const [r] = await rows([waiting.id]);
      return r!.lease_expires_at!.getTime() > firstExpiry + 500;
    });
    const [still] = await rows([waiting.id]);
    expect(still).toMatchObject({ status: "running", lease_owner: w.workerId, attempt: 1 });

    unblock();
    await until(async () => (await rows(ids)).every((r) => r.stage === "chunk"));
    expect(new Set(started)).toEqual(new Set(ids));
    // Each ran once: nobody else took a waiting job as expired.
    expect(started).toHaveLength(4);
  });

  it("a stop gives the waiting jobs back, queued with their attempt unspent", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await uploadFile(t, `s${i}.txt`, "text/plain", `stop ${i}`));
    await start();
    // The claim commits before its worker has the rows back: wait for the handler's start too.
    await until(
      async () =>
        started.length === 1 && (await rows(ids)).filter((r) => r.status === "running").length === 3,
    );
    const runningId = started[0]!;
    const stopping = worker!.stop(60_000);
    await until(async () =>
      (await rows(ids)).filter((r) => r.id !== runningId).every((r) => r.status === "queued"),
    );
    for (const r of (await rows(ids)).filter((r) => r.id !== runningId)) {
      expect(r).toMatchObject({ status: "queued", stage: "parse", attempt: 0, lease_owner: null });
    }
    expect(started).toEqual([runningId]);
    unblock();
    await stopping;
    worker = undefined;
  });
});
