import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findJobById } from "../src/db/sql/find-job.js";
import { silentLogger } from "../src/observability/logger.js";
import { Metrics } from "../src/observability/metrics.js";
import { reconcileOnce } from "../src/uploads/reconciler.js";
import { createTestApp, putToUrl, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

const MiB = 1024 * 1024;
let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext({
    INTAKE_RECONCILE_AFTER_SECONDS: "0",
    INTAKE_MULTIPART_THRESHOLD_BYTES: String(6 * MiB),
    INTAKE_PART_SIZE_BYTES: String(5 * MiB),
  });
  t = await createTestApp(ctx);
});
afterAll(() => ctx.close());

const deps = () => ({
  config: ctx.config,
  db: ctx.db,
  store: ctx.store,
  logger: silentLogger,
  metrics: new Metrics(),
});
const create = async (size: number, filename = "r.txt") =>
  (await (await t.call("POST", "/v1/uploads", { filename, contentType: "text/plain", size })).json()) as any;
const expireUrls = (id: string) =>
  ctx.db
    .updateTable("jobs")
    .set({ upload_expires_at: new Date(Date.now() - 1000) })
    .where("id", "=", id)
    .execute();

describe("reconciler", () => {
  it("completes an upload whose client vanished after the PUT", async () => {
    const job = await create(4);
    expect((await putToUrl(job.upload, "done")).status).toBe(200);
    const report = await reconcileOnce(deps());
    expect(report.completed).toBeGreaterThanOrEqual(1);
    const row = await findJobById(ctx.db, job.id);
    expect(row!.status).toBe("queued");
    const ev = await ctx.db
      .selectFrom("job_events")
      .select("data")
      .where("job_id", "=", job.id)
      .where("type", "=", "uploaded")
      .execute();
    expect(ev.map((e) => e.data.source)).toEqual(["reconciler"]);
  });

  it("aborts an abandoned multipart upload and expires its job", async () => {
    const job = await create(7 * MiB, "abandoned.bin");
    expect(
      (await fetch(job.upload.parts[0].url, { method: "PUT", body: new Uint8Array(5 * MiB) })).status,
    ).toBe(200);
    // Not expired yet: the reconciler looks, finds no object, and leaves it awaiting.
    await reconcileOnce(deps());
    expect((await findJobById(ctx.db, job.id))!.status).toBe("awaiting_upload");
    await expireUrls(job.id);
    await ctx.db
      .updateTable("jobs")
      .set({ next_reconcile_at: new Date() })
      .where("id", "=", job.id)
      .execute();
    const report = await reconcileOnce(deps());
    expect(report.expired).toBe(1);
    expect((await findJobById(ctx.db, job.id))!.status).toBe("expired");
    const uploads = await ctx.s3.send(
      new ListMultipartUploadsCommand({ Bucket: ctx.config.s3.bucket, Prefix: `uploads/default/${job.id}/` }),
    );
    expect(uploads.Uploads ?? []).toHaveLength(0);
    const ev = await ctx.db.selectFrom("job_events").select("type").where("job_id", "=", job.id).execute();
    expect(ev.map((e) => e.type)).toEqual(["created", "expired"]);
  });

  it("splits work between concurrent reconcilers instead of repeating it", async () => {
    const jobs = await Promise.all(Array.from({ length: 30 }, () => create(3)));
    await Promise.all(jobs.map((j) => putToUrl(j.upload, "abc")));
    const reports = await Promise.all(Array.from({ length: 4 }, () => reconcileOnce(deps(), 10)));
    const checked = reports.reduce((n, r) => n + r.checked, 0);
    const completed = reports.reduce((n, r) => n + r.completed, 0);
    expect(completed).toBe(30);
    expect(checked).toBe(30);
    const events = await ctx.db
      .selectFrom("job_events")
      .select("job_id")
      .where("type", "=", "uploaded")
      .where(
        "job_id",
        "in",
        jobs.map((j) => j.id),
      )
      .execute();
    expect(events).toHaveLength(30);
  });
});
