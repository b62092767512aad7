import { randomUUID } from "node:crypto";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../src/observability/logger.js";
import { sweepOrphanedObjects } from "../src/uploads/orphan-sweep.js";
import { createTestApp, putToUrl, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

// Issue 15: a sweep removes objects under uploads/ and derived/ that no live job owns, so an
// object uploaded after its job expired is not kept forever, and leaves everything else.

let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext({ INTAKE_ORPHAN_GRACE_SECONDS: "60" });
  t = await createTestApp(ctx);
});
afterAll(async () => {
  await ctx?.close();
});

const put = (key: string) =>
  ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.s3.bucket, Key: key, Body: "hello" }));
const exists = (key: string) =>
  ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.config.s3.bucket, Key: key })).then(
    () => true,
    () => false,
  );
async function uploaded(name: string) {
  const res = await t.call("POST", "/v1/uploads", { filename: name, contentType: "text/plain", size: 5 });
  const json = (await res.json()) as any;
  expect((await putToUrl(json.upload, "hello")).status).toBe(200);
  const row = await ctx.db.selectFrom("jobs").selectAll().where("id", "=", json.id).executeTakeFirstOrThrow();
  return row;
}
const setStatus = (id: string, status: "expired" | "cancelled", uploadedAt: Date | null = null) =>
  ctx.db.updateTable("jobs").set({ status, uploaded_at: uploadedAt }).where("id", "=", id).execute();

describe("orphan sweep", () => {
  it("lists a prefix page by page", async () => {
    const base = "uploads/listing/";
    for (const n of ["a", "b", "c"]) await put(`${base}${n}`);
    const first = await ctx.store.list(base, { limit: 2 });
    expect(first.objects.map((o) => o.key)).toEqual([`${base}a`, `${base}b`]);
    expect(first.next).toBe(`${base}b`);
    const second = await ctx.store.list(base, { after: first.next, limit: 2 });
    expect(second.objects.map((o) => o.key)).toEqual([`${base}c`]);
    expect(second.next).toBeNull();
  });

  it("deletes only objects of missing, expired and never-uploaded cancelled jobs, after the grace period", async () => {
    const live = await uploaded("live.txt");
    const liveText = `derived/default/${live.id}/text.1.txt`;
    await put(liveText);
    const expired = await uploaded("late.txt");
    await setStatus(expired.id, "expired");
    const cancelledAwaiting = await uploaded("cancelled.txt");
    await setStatus(cancelledAwaiting.id, "cancelled");
    const cancelledQueued = await uploaded("kept.txt");
    await setStatus(cancelledQueued.id, "cancelled", new Date());
    const ghost = randomUUID();
    const ghostUpload = `uploads/default/${ghost}/x.txt`;
    const ghostText = `derived/default/${ghost}/text.2.txt`;
    await put(ghostUpload);
    await put(ghostText);
    // A key naming a live job under another tenant is not that job's.
    const wrongTenant = `uploads/other/${live.id}/x.txt`;
    await put(wrongTenant);
    const foreign = "uploads/readme.txt";
    await put(foreign);

    const deps = { config: ctx.config, db: ctx.db, store: ctx.store, logger: silentLogger };
    // Everything is younger than the 60 s grace period: nothing goes.
    expect((await sweepOrphanedObjects(deps)).deleted).toBe(0);
    expect(await exists(ghostUpload)).toBe(true);

    const report = await sweepOrphanedObjects(deps, Date.now() + 120_000);
    expect(report.errors).toBe(0);
    expect(report.deleted).toBe(5);
    for (const key of [
      expired.object_key,
      cancelledAwaiting.object_key,
      ghostUpload,
      ghostText,
      wrongTenant,
    ]) {
      expect(await exists(key), key).toBe(false);
    }
    for (const key of [live.object_key, liveText, cancelledQueued.object_key, foreign]) {
      expect(await exists(key), key).toBe(true);
    }
  });
});
