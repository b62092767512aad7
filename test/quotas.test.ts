import { execFile } from "node:child_process";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { storeApiKey } from "../src/auth/api-keys.js";
import { createDb, type Db } from "../src/db/database.js";
import { NotificationListener } from "../src/db/notification-listener.js";
import { setTenantLimits } from "../src/db/sql/set-tenant-limits.js";
import { JobEventHub } from "../src/jobs/job-event-hub.js";
import { silentLogger } from "../src/observability/logger.js";
import { Metrics } from "../src/observability/metrics.js";
import { StreamSlots } from "../src/quotas/index.js";
import { createTestApp, OTHER_TENANT_KEY, type TestApp } from "./helpers/app.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { freePort } from "./helpers/free-port.js";
import { startServeProcess } from "./helpers/process-intake.js";
import { parseExposition } from "./helpers/prometheus.js";

// Two API instances on one database: the second has its own pool, event hub and SSE slots, so
// anything they agree on they agree on through Postgres.
let ctx: TestContext;
let t: TestApp;
let db2: Db;
const hubs: { hub: JobEventHub; listener: NotificationListener }[] = [];
let slotsA: StreamSlots;
let slotsB: StreamSlots;
let appA: ReturnType<typeof createApp>;
let appB: ReturnType<typeof createApp>;

function hub() {
  const listener = new NotificationListener({ databaseUrl: ctx.databaseUrl, logger: silentLogger });
  const h = new JobEventHub({ listener, logger: silentLogger });
  hubs.push({ hub: h, listener });
  return h;
}

beforeAll(async () => {
  ctx = await createTestContext({ INTAKE_TENANT_UPLOADS_PER_MINUTE: "1000" });
  t = await createTestApp(ctx);
  db2 = createDb({ connectionString: ctx.databaseUrl, max: 20 });
  slotsA = new StreamSlots({ db: ctx.db, logger: silentLogger });
  slotsB = new StreamSlots({ db: db2, logger: silentLogger });
  appA = createApp({
    ...t.deps,
    eventHub: hub(),
    streamSlots: slotsA,
    eventStream: { heartbeatMs: 600_000 },
  });
  appB = createApp({
    ...t.deps,
    db: db2,
    metrics: new Metrics(),
    eventHub: hub(),
    streamSlots: slotsB,
    eventStream: { heartbeatMs: 600_000 },
  });
});
afterAll(async () => {
  for (const { hub, listener } of hubs) {
    await hub.close();
    await listener.close();
  }
  slotsA?.close();
  slotsB?.close();
  await db2?.destroy();
  await ctx?.close();
});

const upload = (size = 10, name = "a.txt") => ({ filename: name, contentType: "text/plain", size });

function post(app: ReturnType<typeof createApp>, body: unknown, key = API_KEY) {
  return app.request("/v1/uploads", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

const usageOf = async (tenant: string) =>
  ctx.db.selectFrom("tenant_usage").selectAll().where("tenant_id", "=", tenant).executeTakeFirst();

describe("uploads per minute", () => {
  it("lets exactly the limit through a concurrent burst across two instances; others are unaffected", async () => {
    await setTenantLimits(ctx.db, "default", { uploadsPerMinute: 7 });
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post(i % 2 ? appA : appB, upload(10, `burst-${i}.txt`))),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(7);
    expect(statuses.filter((s) => s === 429)).toHaveLength(23);

    const refused = responses.find((r) => r.status === 429)!;
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    const retryAfter = Number(refused.headers.get("retry-after"));
    // 7 a minute refill one token every 60/7 ≈ 8.6 s.
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(9);
    expect(await refused.json()).toMatchObject({
      status: 429,
      code: "rate_limited",
      quota: "uploads_per_minute",
      limit: 7,
      usage: 7,
    });

    // The bucket refills at 7 a minute by the database's clock: 10 s later, one more gets through.
    await sql`UPDATE tenant_upload_buckets SET refilled_at = refilled_at - interval '10 seconds' WHERE tenant_id = 'default'`.execute(
      ctx.db,
    );
    expect((await post(appA, upload())).status).toBe(201);
    expect((await post(appB, upload())).status).toBe(429);

    // Another tenant's bucket is its own.
    expect((await post(appA, upload(), OTHER_TENANT_KEY)).status).toBe(201);
    await setTenantLimits(ctx.db, "default", { uploadsPerMinute: null });
  });
});

describe("uploads per minute across processes", () => {
  it("lets exactly the limit through a burst split between this process and an `intake serve` child", async () => {
    const key = "test-api-key-of-tenant-burst";
    await storeApiKey(ctx.db, "burst", key);
    await setTenantLimits(ctx.db, "burst", { uploadsPerMinute: 6 });
    const port = await freePort();
    const child = await startServeProcess("api-quota", { ...ctx.env, LOG_LEVEL: "info" }, port);
    try {
      const url = `http://127.0.0.1:${port}`;
      const viaChild = (i: number) =>
        fetch(`${url}/v1/uploads`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify(upload(10, `p-${i}.txt`)),
        });
      const responses = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          i % 2 ? viaChild(i) : post(appA, upload(10, `p-${i}.txt`), key),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(6);
      expect(statuses.filter((s) => s === 429)).toHaveLength(18);
    } finally {
      await child.kill();
    }
  }, 60_000);
});

describe("uploads per minute through the Companion routes", () => {
  it("spends the same bucket from /s3/params and /s3/multipart as from /v1/uploads", async () => {
    const key = "test-api-key-of-tenant-companion";
    await storeApiKey(ctx.db, "companion", key);
    await setTenantLimits(ctx.db, "companion", { uploadsPerMinute: 2 });
    const auth = { authorization: `Bearer ${key}` };
    const params = () =>
      appB.request("/s3/params?filename=a.txt&type=text/plain&metadata[name]=a.txt&metadata[size]=5", {
        headers: auth,
      });
    expect((await params()).status).toBe(200);
    expect((await post(appA, upload(), key)).status).toBe(201);
    const refused = await params();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).not.toBeNull();
    expect(await refused.json()).toMatchObject({ code: "rate_limited", limit: 2, usage: 2 });
    const multipart = await appA.request("/s3/multipart", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        filename: "b.bin",
        type: "application/octet-stream",
        metadata: { name: "b.bin", size: 5 },
      }),
    });
    expect(multipart.status).toBe(429);
  });
});

describe("bytes and documents stored", () => {
  it("refuses with 413 past the bytes quota and frees the bytes on cancel, expiry and delete", async () => {
    await ctx.db.deleteFrom("jobs").where("tenant_id", "=", "other").execute();
    await setTenantLimits(ctx.db, "other", { maxBytes: 100, uploadsPerMinute: 0 });
    const first = await post(appA, upload(60), OTHER_TENANT_KEY);
    expect(first.status).toBe(201);
    const over = await post(appB, upload(50), OTHER_TENANT_KEY);
    expect(over.status).toBe(413);
    expect(over.headers.get("retry-after")).toBeNull();
    expect(await over.json()).toMatchObject({
      code: "quota_exceeded",
      quota: "bytes",
      limit: 100,
      usage: 60,
    });

    // Cancel releases.
    const { id } = await first.json();
    expect((await t.call("POST", `/v1/jobs/${id}/cancel`, undefined, { key: OTHER_TENANT_KEY })).status).toBe(
      200,
    );
    expect(Number((await usageOf("other"))!.bytes)).toBe(0);
    const second = await post(appB, upload(90), OTHER_TENANT_KEY);
    expect(second.status).toBe(201);

    // Expiry releases (the reconciler's statement).
    const { endUpload } = await import("../src/db/sql/end-upload.js");
    const job2 = await second.json();
    await sql`UPDATE jobs SET upload_expires_at = now() - interval '1 second' WHERE id = ${job2.id}`.execute(
      ctx.db,
    );
    expect(await endUpload(ctx.db, { id: job2.id, tenant_id: "other" }, "expired", "test")).toBeDefined();
    expect(Number((await usageOf("other"))!.bytes)).toBe(0);

    // A deleted row releases too, whichever statement deletes it.
    const third = await post(appA, upload(100), OTHER_TENANT_KEY);
    expect(third.status).toBe(201);
    expect((await post(appA, upload(1), OTHER_TENANT_KEY)).status).toBe(413);
    await ctx.db
      .deleteFrom("jobs")
      .where("id", "=", (await third.json()).id)
      .execute();
    expect(await usageOf("other")).toMatchObject({ bytes: "0", documents: 0 });
    await setTenantLimits(ctx.db, "other", { maxBytes: null });
  });

  it("holds the bytes quota under a concurrent burst across two instances", async () => {
    await ctx.db.deleteFrom("jobs").where("tenant_id", "=", "other").execute();
    await setTenantLimits(ctx.db, "other", { maxBytes: 500 });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(i % 2 ? appA : appB, upload(100, `b-${i}.txt`), OTHER_TENANT_KEY),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(5);
    expect(responses.filter((r) => r.status === 413)).toHaveLength(15);
    expect(Number((await usageOf("other"))!.bytes)).toBe(500);
    await ctx.db.deleteFrom("jobs").where("tenant_id", "=", "other").execute();
    await setTenantLimits(ctx.db, "other", { maxBytes: null });
  });

  it("refuses with 413 past the documents quota; an idempotent replay is not a new document", async () => {
    await ctx.db.deleteFrom("jobs").where("tenant_id", "=", "other").execute();
    await setTenantLimits(ctx.db, "other", { maxDocuments: 2 });
    const a = await post(appA, { ...upload(), idempotencyKey: "doc-a" }, OTHER_TENANT_KEY);
    expect(a.status).toBe(201);
    expect((await post(appB, upload(), OTHER_TENANT_KEY)).status).toBe(201);
    const over = await post(appA, upload(), OTHER_TENANT_KEY);
    expect(over.status).toBe(413);
    expect(await over.json()).toMatchObject({
      code: "quota_exceeded",
      quota: "documents",
      limit: 2,
      usage: 2,
    });
    expect((await post(appB, { ...upload(), idempotencyKey: "doc-a" }, OTHER_TENANT_KEY)).status).toBe(200);
    await ctx.db.deleteFrom("jobs").where("tenant_id", "=", "other").execute();
    await setTenantLimits(ctx.db, "other", { maxDocuments: null, uploadsPerMinute: null });
  });
});

describe("open event streams", () => {
  const open = (app: ReturnType<typeof createApp>, jobId: string) =>
    app.request(`/v1/jobs/${jobId}/events`, {
      headers: { authorization: `Bearer ${OTHER_TENANT_KEY}`, accept: "text/event-stream" },
    });

  it("caps a tenant's streams across two instances, frees a slot when a stream ends and when its process dies", async () => {
    await setTenantLimits(ctx.db, "other", { maxStreams: 2 });
    const created = await post(appA, upload(), OTHER_TENANT_KEY);
    const jobId = (await created.json()).id;

    const s1 = await open(appA, jobId);
    const s2 = await open(appB, jobId);
    expect([s1.status, s2.status]).toEqual([200, 200]);
    const refused = await open(appA, jobId);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({
      code: "quota_exceeded",
      quota: "streams",
      limit: 2,
      usage: 2,
    });
    // The default tenant has its own slots.
    const mine = await t.call("POST", "/v1/uploads", upload());
    const own = await appB.request(`/v1/jobs/${(await mine.json()).id}/events`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(own.status).toBe(200);
    await own.body!.cancel();

    // A stream that ends gives its slot back.
    await s2.body!.cancel();
    await expect.poll(() => slotCount("other")).toBe(1);
    const s3 = await open(appB, jobId);
    expect(s3.status).toBe(200);

    // Instance A "dies": its slots are no longer renewed and expire.
    expect((await open(appB, jobId)).status).toBe(429);
    await sql`UPDATE sse_stream_slots SET expires_at = now() - interval '1 second' WHERE holder = ${slotsA.holder}`.execute(
      ctx.db,
    );
    const s4 = await open(appB, jobId);
    expect(s4.status).toBe(200);
    for (const s of [s1, s3, s4]) await s.body!.cancel();
    await expect.poll(() => slotCount("other")).toBe(0);
    await setTenantLimits(ctx.db, "other", { maxStreams: null });
  });

  const slotCount = async (tenant: string) =>
    Number(
      (
        await sql<{
          n: string;
        }>`SELECT count(*) AS n FROM sse_stream_slots WHERE tenant_id = ${tenant} AND expires_at > now()`.execute(
          ctx.db,
        )
      ).rows[0]!.n,
    );
});

describe("SSE slot renewal", () => {
  it("keeps a live process's slot past its TTL, and frees it once the process stops renewing", async () => {
    const live = new StreamSlots({ db: ctx.db, logger: silentLogger, ttlSeconds: 1.5 });
    const other = new StreamSlots({ db: db2, logger: silentLogger, ttlSeconds: 1.5 });
    try {
      const release = await live.acquire("renew", 1);
      await new Promise((r) => setTimeout(r, 2500));
      // Renewed every 0.5 s, so still held: the other instance is refused.
      await expect(other.acquire("renew", 1)).rejects.toMatchObject({ code: "quota_exceeded", usage: 1 });
      live.close(); // the process "dies": no release, no renewal
      await new Promise((r) => setTimeout(r, 2000));
      const taken = await other.acquire("renew", 1);
      // The dead process's late release (its stream id) frees nothing of the new holder's.
      await release();
      await expect(live.acquire("renew", 1)).rejects.toMatchObject({ code: "quota_exceeded" });
      await taken();
      await (await live.acquire("renew", 1))();
    } finally {
      live.close();
      other.close();
    }
  });
});

describe("failed authentication", () => {
  it("refuses an address after too many failures a minute, with Retry-After; other addresses pass", async () => {
    const limited = await createTestContext({ INTAKE_AUTH_FAILURES_PER_MINUTE: "3" });
    try {
      const app = (await createTestApp(limited)).app;
      const from = (address: string, key: string) =>
        app.request(
          "/v1/jobs",
          { headers: { authorization: `Bearer ${key}` } },
          { incoming: { socket: { remoteAddress: address } } },
        );
      for (let i = 0; i < 3; i++) expect((await from("203.0.113.9", "wrong-key-guess")).status).toBe(401);
      const refused = await from("203.0.113.9", "wrong-key-guess");
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ code: "rate_limited", quota: "auth_failures", limit: 3 });
      // Refused before the key is checked, so a guesser learns nothing more this minute.
      expect((await from("203.0.113.9", API_KEY)).status).toBe(429);
      expect((await from("198.51.100.7", API_KEY)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe("overrides and exposure", () => {
  function intake(args: string[]) {
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        "bin/intake",
        args,
        { env: { ...process.env, ...ctx.env }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it("sets and shows a tenant's limits through the CLI", async () => {
    const set = await intake([
      "tenants",
      "set-limits",
      "acme",
      "--uploads-per-minute",
      "30",
      "--max-bytes",
      "1000000",
      "--max-documents",
      "50",
      "--max-streams",
      "4",
    ]);
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    const row = await ctx.db
      .selectFrom("tenant_limits")
      .selectAll()
      .where("tenant_id", "=", "acme")
      .executeTakeFirst();
    expect(row).toMatchObject({
      uploads_per_minute: 30,
      max_bytes: "1000000",
      max_documents: 50,
      max_streams: 4,
    });

    await intake(["tenants", "set-limits", "acme", "--max-streams", "default"]);
    const shown = await intake(["tenants", "show", "acme"]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/uploads per minute\s+0 \/ 30\n/);
    expect(shown.stdout).toMatch(/bytes\s+0 \/ 1000000\n/);
    expect(shown.stdout).toMatch(/streams\s+0 \/ 100 \(default\)\n/);

    const bad = await intake(["tenants", "set-limits", "acme", "--max-bytes", "lots"]);
    expect(bad.code).not.toBe(0);
  }, 60_000);

  it("reports per-tenant usage and limits in /metrics", async () => {
    await ctx.db.deleteFrom("jobs").where("tenant_id", "=", "other").execute();
    await setTenantLimits(ctx.db, "other", { maxDocuments: 9 });
    expect((await post(appA, upload(42), OTHER_TENANT_KEY)).status).toBe(201);
    const res = await t.call("GET", "/metrics", undefined, { key: null });
    const body = await res.text();
    const m = parseExposition(body);
    expect(m.types.get("intake_tenant_usage")).toBe("gauge");
    const value = (name: string, labels: Record<string, string>) => {
      expect(m.samples.some((s) => s.name === name && s.labels.tenant === labels.tenant)).toBe(true);
      return m.value(name, labels);
    };
    expect(value("intake_tenant_usage", { tenant: "other", resource: "bytes" })).toBe(42);
    expect(value("intake_tenant_usage", { tenant: "other", resource: "documents" })).toBe(1);
    expect(value("intake_tenant_limit", { tenant: "other", resource: "documents" })).toBe(9);
    expect(value("intake_tenant_limit", { tenant: "other", resource: "bytes" })).toBe(0);
    expect(value("intake_tenant_limit", { tenant: "acme", resource: "uploads_per_minute" })).toBe(30);
  });
});
