import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companionRoutes } from "../src/api/routes/companion.js";
import { urlLifetimeSeconds } from "../src/storage/presign.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

// Issue 15, presigned URL lifetime: a URL never outlives its job. It is signed for
// min(TTL, upload_expires_at − now), idempotent replays and later part signing included.

const MiB = 1024 * 1024;
let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext({
    INTAKE_UPLOAD_URL_TTL_SECONDS: "3600",
    INTAKE_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
    INTAKE_PART_SIZE_BYTES: String(5 * MiB),
  });
  t = await createTestApp(ctx);
  t.app.route("/s3", companionRoutes(t.deps));
});
afterAll(async () => {
  await ctx?.close();
});

/** Leaves the job `seconds` of upload life, as if it had been created an hour ago. */
const ageJob = (id: string, seconds: number) =>
  ctx.db
    .updateTable("jobs")
    .set({ upload_expires_at: sql<Date>`now() + make_interval(secs => ${seconds})` })
    .where("id", "=", id)
    .execute();
const amzExpires = (url: string) => Number(new URL(url).searchParams.get("X-Amz-Expires"));
const secondsLeft = (iso: string) => (Date.parse(iso) - Date.now()) / 1000;

describe("presigned URL lifetime", () => {
  it("clamps to the TTL and to the job's expiry, at least 1 s", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(urlLifetimeSeconds(600, new Date(now + 3_600_000), now)).toBe(600);
    expect(urlLifetimeSeconds(600, new Date(now + 30_500), now)).toBe(30);
    expect(urlLifetimeSeconds(600, new Date(now - 5_000), now)).toBe(1);
  });

  it("a PUT replayed late in the job's life is signed only for what is left", async () => {
    const body = { filename: "a.txt", contentType: "text/plain", size: 5, idempotencyKey: "late-put" };
    const first = (await (await t.call("POST", "/v1/uploads", body)).json()) as any;
    expect(amzExpires(first.upload.url)).toBeGreaterThan(3590);
    await ageJob(first.id, 30);
    const replay = (await (await t.call("POST", "/v1/uploads", body)).json()) as any;
    expect(replay.id).toBe(first.id);
    expect(amzExpires(replay.upload.url)).toBeLessThanOrEqual(30);
    expect(secondsLeft(replay.upload.expiresAt)).toBeLessThanOrEqual(31);
  });

  it("a POST policy replayed late expires with the job", async () => {
    const body = {
      filename: "b.txt",
      contentType: "text/plain",
      size: 5,
      method: "POST",
      idempotencyKey: "late-post",
    };
    const first = (await (await t.call("POST", "/v1/uploads", body)).json()) as any;
    await ageJob(first.id, 30);
    const replay = (await (await t.call("POST", "/v1/uploads", body)).json()) as any;
    const policy = JSON.parse(Buffer.from(replay.upload.fields.Policy, "base64").toString()) as {
      expiration: string;
    };
    expect(secondsLeft(policy.expiration)).toBeLessThanOrEqual(31);
  });

  it("multipart parts signed later, through /v1 and Companion, expire with the job", async () => {
    const body = { filename: "c.bin", contentType: "application/octet-stream", size: 11 * MiB };
    const first = (await (await t.call("POST", "/v1/uploads", body)).json()) as any;
    await ageJob(first.id, 30);
    const res = await t.call("POST", `/v1/uploads/${first.id}/parts`, { partNumbers: [2, 3] });
    expect(res.status).toBe(200);
    const signed = (await res.json()) as any;
    const urls: string[] = (signed.parts ?? signed).map((p: { url: string }) => p.url);
    expect(urls.length).toBe(2);
    for (const url of urls) expect(amzExpires(url)).toBeLessThanOrEqual(30);

    const row = await ctx.db
      .selectFrom("jobs")
      .select(["object_key", "multipart_upload_id"])
      .where("id", "=", first.id)
      .executeTakeFirstOrThrow();
    const companion = await t.call(
      "GET",
      `/s3/multipart/${row.multipart_upload_id}/1?key=${encodeURIComponent(row.object_key)}`,
    );
    const part = (await companion.json()) as { url: string; expires: number };
    expect(amzExpires(part.url)).toBeLessThanOrEqual(30);
    expect(part.expires).toBeLessThanOrEqual(30);
  });
});
