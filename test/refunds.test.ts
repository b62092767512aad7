import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../src/observability/logger.js";
import { Metrics } from "../src/observability/metrics.js";
import { createObjectStore } from "../src/storage/create-object-store.js";
import type { ObjectStore } from "../src/storage/object-store.js";
import { createStageDeps } from "../src/worker/deps.js";
import { startWorker, type Worker } from "../src/worker/runtime.js";
import type { StageHandler } from "../src/worker/stage.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { freePort } from "./helpers/free-port.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";

// A read that breaks mid-stream looks like an outage (ECONNRESET) whether storage is down or
// this process was too busy to read in time. Only a confirmed outage may refund the attempt,
// and only a bounded number of times, so no job can cycle forever.

const brokenRead: StageHandler = async () => {
  throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
};

describe("refunds", () => {
  let ctx: TestContext;
  let t: TestApp;
  let worker: Worker | undefined;

  beforeEach(async () => {
    ctx = await createTestContext({
      INTAKE_MAX_ATTEMPTS: "3",
      INTAKE_MAX_RELEASES: "2",
      INTAKE_RETRY_BASE_MS: "0",
      INTAKE_RETRY_CAP_MS: "0",
      INTAKE_BREAKER_RESET_MS: "100",
    });
    t = await createTestApp(ctx);
  });

  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await ctx.close();
  });

  const startWith = async (store: ObjectStore) => {
    const deps = createStageDeps({
      config: ctx.config,
      db: ctx.db,
      store,
      logger: silentLogger,
      metrics: new Metrics(),
    });
    worker = await startWorker({
      deps,
      databaseUrl: ctx.databaseUrl,
      stages: ["parse"],
      concurrency: 1,
      handlers: { parse: brokenRead },
    });
  };

  const eventTypes = async (jobId: string) =>
    (
      await ctx.db.selectFrom("job_events").select("type").where("job_id", "=", jobId).orderBy("id").execute()
    ).map((e) => e.type);

  it("spends attempts when storage answers its health check: the failure was not an outage", async () => {
    await startWith(ctx.store);
    const id = await uploadFile(t, "a.txt", "text/plain", "hello");
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
    expect(job).toMatchObject({ status: "failed", error_code: "storage_error", attempt: 3, releases: 0 });
    const types = await eventTypes(id);
    expect(types.filter((x) => x === "released")).toHaveLength(0);
    expect(types.filter((x) => x === "stage_started")).toHaveLength(3);
  });

  it("refunds a confirmed outage at most INTAKE_MAX_RELEASES times, then spends attempts", async () => {
    // Storage as this worker sees it: nothing listens there, so its health check fails.
    const down = createObjectStore({ ...ctx.config.s3, endpoint: `http://127.0.0.1:${await freePort()}` });
    await startWith(down);
    const id = await uploadFile(t, "a.txt", "text/plain", "hello");
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
    expect(job).toMatchObject({ status: "failed", error_code: "storage_error", attempt: 3, releases: 2 });
    const types = await eventTypes(id);
    expect(types.filter((x) => x === "released")).toHaveLength(2);
    // Two refunded runs, then three that spent an attempt each: five in all, and no more.
    expect(types.filter((x) => x === "stage_started")).toHaveLength(5);
    down.destroy();
  });

  it("a manual retry starts a failed job's refunds afresh", async () => {
    await startWith(ctx.store);
    const id = await uploadFile(t, "a.txt", "text/plain", "hello");
    await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
    await ctx.db.updateTable("jobs").set({ releases: 2 }).where("id", "=", id).execute();
    const res = await t.call("POST", `/v1/jobs/${id}/retry`);
    expect(res.status).toBe(200);
    const row = await ctx.db
      .selectFrom("jobs")
      .select(["releases", "status"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.releases).toBe(0);
  });
});
