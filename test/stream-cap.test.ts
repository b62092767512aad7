import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { ProcessStreams } from "../src/api/process-streams.js";
import { NotificationListener } from "../src/db/notification-listener.js";
import { appendJobEvent } from "../src/db/sql/append-job-event.js";
import { setTenantLimits } from "../src/db/sql/set-tenant-limits.js";
import { JobEventHub } from "../src/jobs/job-event-hub.js";
import { silentLogger } from "../src/observability/logger.js";
import { Metrics } from "../src/observability/metrics.js";
import { createTestApp, OTHER_TENANT_KEY, type TestApp } from "./helpers/app.js";
import { listenOnFreePort, type RunningServer } from "./helpers/client-server.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { parseExposition } from "./helpers/prometheus.js";
import { readToEnd, SseReader } from "./helpers/sse.js";

// INTAKE_MAX_STREAMS_PER_PROCESS: one API process holds at most this many SSE streams, all
// tenants together, over real HTTP (a client going away is a closed socket, not a cancel call).

let ctx: TestContext;
let t: TestApp;
let listener: NotificationListener;
let hub: JobEventHub;
let server: RunningServer;

beforeAll(async () => {
  ctx = await createTestContext({ INTAKE_MAX_STREAMS_PER_PROCESS: "2" });
  t = await createTestApp(ctx);
  listener = new NotificationListener({ databaseUrl: ctx.databaseUrl, logger: silentLogger });
  hub = new JobEventHub({ listener, logger: silentLogger });
  const app = createApp({
    ...t.deps,
    metrics: new Metrics(),
    eventHub: hub,
    eventStream: { heartbeatMs: 600_000 },
  });
  server = await listenOnFreePort(app);
});
afterAll(async () => {
  await server?.close();
  await hub?.close();
  await listener?.close();
  await ctx?.close();
});

async function createJob(key = API_KEY): Promise<string> {
  const res = await t.call(
    "POST",
    "/v1/uploads",
    { filename: "s.txt", contentType: "text/plain", size: 3 },
    { key },
  );
  return ((await res.json()) as { id: string }).id;
}

const open = (jobId: string, key = API_KEY) =>
  fetch(`${server.url}/v1/jobs/${jobId}/events`, {
    headers: { authorization: `Bearer ${key}`, accept: "text/event-stream" },
  });

/** Opens a stream and waits for its first frame, so the server has certainly started it. */
async function stream(jobId: string, key = API_KEY): Promise<SseReader> {
  const res = await open(jobId, key);
  expect(res.status).toBe(200);
  const reader = new SseReader(res);
  await reader.nextComment("stream open");
  return reader;
}

/** The server's own count, as scraped: what the test waits on instead of sleeping. */
async function openStreams(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return parseExposition(text).value("intake_sse_streams_open");
}

const tenantSlots = async (tenant: string) =>
  Number(
    (
      await sql<{
        n: string;
      }>`SELECT count(*) AS n FROM sse_stream_slots WHERE tenant_id = ${tenant}`.execute(ctx.db)
    ).rows[0]!.n,
  );

function completeJob(jobId: string) {
  return ctx.db.transaction().execute(async (trx) => {
    await sql`SELECT id FROM jobs WHERE id = ${jobId} FOR UPDATE`.execute(trx);
    await appendJobEvent(trx, { jobId, tenantId: "default", type: "completed", data: {} });
  });
}

describe("the per-process cap on open event streams", () => {
  it("refuses a third stream with 503 too_many_streams, and accepts one again when a stream ends", async () => {
    const jobId = await createJob();
    const a = await stream(jobId);
    const b = await stream(jobId);
    expect(await openStreams()).toBe(2);

    const refused = await open(jobId);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({
      type: "https://intake.dev/problems/too_many_streams",
      status: 503,
      code: "too_many_streams",
      limit: 2,
    });
    // Refused before the tenant's slot was taken.
    expect(await tenantSlots("default")).toBe(2);

    // The client goes away: its socket closes, the server releases the place.
    await a.cancel();
    await expect.poll(openStreams).toBe(1);
    const c = await stream(jobId);
    expect(await openStreams()).toBe(2);

    // A terminal event ends both remaining streams server-side; each releases its place once.
    await completeJob(jobId);
    await readToEnd(b);
    await readToEnd(c);
    await expect.poll(openStreams).toBe(0);
    await expect.poll(() => tenantSlots("default")).toBe(0);
    // The places are free again (the finished job answers 204, so use a fresh one).
    const again = await createJob();
    const d = await stream(again);
    await d.cancel();
    await expect.poll(openStreams).toBe(0);
  });

  it("leaves the tenant cap as it was: 429 first when the tenant is full, the process cap on top", async () => {
    await setTenantLimits(ctx.db, "default", { maxStreams: 1 });
    try {
      const mine = await createJob();
      const theirs = await createJob(OTHER_TENANT_KEY);
      const a = await stream(mine);
      const tenantFull = await open(mine);
      expect(tenantFull.status).toBe(429);
      expect(await tenantFull.json()).toMatchObject({ code: "quota_exceeded", quota: "streams", limit: 1 });
      // The 429 gave its place in the process back.
      expect(await openStreams()).toBe(1);

      const b = await stream(theirs, OTHER_TENANT_KEY);
      expect(await openStreams()).toBe(2);
      // The process is full: refused with 503 whatever the tenant, and no tenant slot is taken.
      expect((await open(theirs, OTHER_TENANT_KEY)).status).toBe(503);
      expect((await open(mine)).status).toBe(503);
      expect(await tenantSlots("other")).toBe(1);

      await a.cancel();
      await b.cancel();
      await expect.poll(openStreams).toBe(0);
      await expect.poll(async () => (await tenantSlots("default")) + (await tenantSlots("other"))).toBe(0);
    } finally {
      await setTenantLimits(ctx.db, "default", { maxStreams: null });
    }
  });
});

describe("ProcessStreams", () => {
  it("is unlimited at 0 and releases each place once", () => {
    const unlimited = new ProcessStreams({ limit: 0 });
    const releases = Array.from({ length: 5 }, () => unlimited.take());
    expect(unlimited.open).toBe(5);
    releases[0]!();
    releases[0]!();
    expect(unlimited.open).toBe(4);

    const capped = new ProcessStreams({ limit: 1 });
    const release = capped.take();
    expect(() => capped.take()).toThrow(expect.objectContaining({ status: 503, code: "too_many_streams" }));
    release();
    release();
    expect(capped.open).toBe(0);
    capped.take();
    expect(capped.open).toBe(1);
  });
});
