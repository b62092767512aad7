import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Worker } from "../src/worker/runtime.js";
import type { StageHandler } from "../src/worker/stage.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

// When the heartbeat finds that a running job's lease is gone (taken over after a stall), the
// worker aborts that job's stage through the signal it gave the handler. The signal is made on
// first read (claim-loop.ts), so both orders must hold: read before the abort, and first read
// after it.

describe("a lost lease aborts the stage", () => {
  let ctx: TestContext;
  let t: TestApp;
  let worker: Worker | undefined;
  beforeEach(async () => {
    // A 1 s lease: the heartbeat runs every 333 ms.
    ctx = await createTestContext({ INTAKE_LEASE_SECONDS: "1" });
    t = await createTestApp(ctx);
  });
  afterEach(async () => {
    await worker?.stop(1000);
    worker = undefined;
    await ctx.close();
  });

  const start = async (handler: StageHandler) => {
    worker = (await startTestWorker(ctx, { stages: ["parse"], concurrency: 1, handlers: { parse: handler } }))
      .worker;
  };
  // Another owner takes the job over, as the reaper and a second worker would after a stall.
  const steal = (id: string) =>
    sql<{ at: Date }>`UPDATE jobs SET lease_owner = 'thief', attempt = attempt + 1
                      WHERE id = ${id} AND status = 'running' RETURNING now() AS at`.execute(ctx.db);
  const running = (id: string) =>
    sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE id = ${id} AND status = 'running'`.execute(
      ctx.db,
    );

  it("aborts a signal the handler read before the lease was lost", async () => {
    let reason: unknown;
    const aborted = new Promise<void>((resolve) => {
      void start(async (_deps, run) => {
        const signal = run.signal;
        await new Promise<void>((done) => signal.addEventListener("abort", () => done(), { once: true }));
        reason = signal.reason;
        resolve();
      });
    });
    const id = await uploadFile(t, "held.txt", "text/plain", "held");
    await expect.poll(async () => (await running(id)).rows[0]!.n, { timeout: 10_000 }).toBe(1);
    await steal(id);
    await aborted;
    expect(String(reason)).toMatch(/lease lost/);
  });

  it("gives an aborted signal to a handler that first reads it after the lease was lost", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const seen = new Promise<boolean>((resolve) => {
      void start(async (_deps, run) => {
        await gate;
        resolve(run.signal.aborted);
      });
    });
    const id = await uploadFile(t, "late.txt", "text/plain", "late");
    await expect.poll(async () => (await running(id)).rows[0]!.n, { timeout: 10_000 }).toBe(1);
    const stolenAt = (await steal(id)).rows[0]!.at;
    // The heartbeat extends leases, then stamps the worker's row. The second stamp after the
    // steal belongs to a round whose extension began after the first stamp, so after the steal.
    const stamps = new Set<number>();
    await expect
      .poll(
        async () => {
          const { rows } = await sql<{ at: Date }>`
            SELECT heartbeat_at AS at FROM workers WHERE id = ${worker!.workerId}`.execute(ctx.db);
          const at = rows[0]?.at;
          if (at && at > stolenAt) stamps.add(at.getTime());
          return stamps.size;
        },
        { timeout: 10_000, interval: 20 },
      )
      .toBeGreaterThanOrEqual(2);
    release();
    expect(await seen).toBe(true);
  });
});
