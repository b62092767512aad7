import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { LISTENER_APPLICATION_NAME, NotificationListener } from "../src/db/notification-listener.js";
import { appendJobEvent } from "../src/db/sql/append-job-event.js";
import { JobEventHub } from "../src/jobs/job-event-hub.js";
import { silentLogger } from "../src/observability/logger.js";
import { Metrics } from "../src/observability/metrics.js";
import { createTestApp, OTHER_TENANT_KEY } from "./helpers/app.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { readToEnd, SseReader } from "./helpers/sse.js";

let ctx: TestContext;
let hub: JobEventHub;
let listener: NotificationListener;
let metrics: Metrics;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  ctx = await createTestContext();
  const t = await createTestApp(ctx);
  metrics = new Metrics();
  listener = new NotificationListener({ databaseUrl: ctx.databaseUrl, logger: silentLogger });
  hub = new JobEventHub({ listener, logger: silentLogger, metrics });
  // A heartbeat far beyond any test: its backstop read must not be what delivers events.
  app = createApp({ ...t.deps, metrics, eventHub: hub, eventStream: { heartbeatMs: 600_000 } });
});
afterAll(async () => {
  await hub.close();
  await listener.close();
  await ctx.close();
});

function get(path: string, headers: Record<string, string> = {}, key: string | null = API_KEY) {
  return app.request(path, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });
}

async function insertJob(tenant = "default"): Promise<string> {
  const id = randomUUID();
  await ctx.db
    .insertInto("jobs")
    .values({
      id,
      tenant_id: tenant,
      status: "queued",
      stage: "parse",
      filename: "a.txt",
      content_type: "text/plain",
      size: 1,
      object_key: `uploads/${tenant}/${id}/a.txt`,
      upload_method: "PUT",
      upload_expires_at: new Date(Date.now() + 60_000),
    })
    .execute();
  return id;
}

/**
 * Writes `types` as events in one transaction, holding the job row lock as every real
 * state change does (the ordering the stream relies on); `status` updates the job too.
 */
function writeEvents(jobId: string, types: string[], status?: "completed") {
  return ctx.db.transaction().execute(async (trx) => {
    await sql`SELECT id FROM jobs WHERE id = ${jobId} FOR UPDATE`.execute(trx);
    if (status) await trx.updateTable("jobs").set({ status }).where("id", "=", jobId).execute();
    for (const type of types) await appendJobEvent(trx, { jobId, tenantId: "default", type, data: { type } });
  });
}

const allEventIds = async (jobId: string) =>
  (
    await ctx.db.selectFrom("job_events").select("id").where("job_id", "=", jobId).orderBy("id").execute()
  ).map((r) => r.id);

/** Backend pids of the shared hub's connection, which the reconnect test leaves alone. */
async function listenerPids(): Promise<number[]> {
  const { rows } = await sql<{ pid: number }>`
    SELECT pid FROM pg_stat_activity
    WHERE application_name = ${LISTENER_APPLICATION_NAME} AND datname = current_database()`.execute(ctx.db);
  return rows.map((r) => r.pid);
}

/** mulberry32: a seeded generator, so a failing interleaving can be replayed from its seed. */
function seeded(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("GET /v1/jobs/{id}/events", () => {
  it("gives every client each event exactly once, in order, across replay, live and reconnects", async () => {
    const seed = Date.now() % 100_000;
    const random = seeded(seed);
    const jobId = await insertJob();
    await writeEvents(jobId, ["created"]);

    // The writer: 4 concurrent loops of 30 transactions, some with two events each.
    let committed = 0;
    const progress: (() => void)[] = [];
    const afterCommits = (n: number) =>
      new Promise<void>((resolve) =>
        committed >= n ? resolve() : progress.push(() => committed >= n && resolve()),
      );
    const writer = (async () => {
      await Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
          for (let i = 0; i < 30; i++) {
            await writeEvents(jobId, i % 5 === 0 ? [`w${w}-${i}a`, `w${w}-${i}b`] : [`w${w}-${i}`]);
            committed++;
            for (const p of progress) p();
          }
        }),
      );
      await writeEvents(jobId, ["stage_completed", "completed"], "completed");
    })();

    // Eight clients, each starting after a random number of commits (some after the end) and
    // dropping the connection after a random number of events, then resuming from the last id.
    const client = async (startAfter: number) => {
      await (startAfter > 120 ? writer : afterCommits(startAfter));
      const seen: string[] = [];
      let reconnects = 0;
      for (;;) {
        const cursor = seen.at(-1);
        const viaHeader = random() < 0.5;
        const res = await get(
          `/v1/jobs/${jobId}/events${cursor && !viaHeader ? `?after=${cursor}` : ""}`,
          cursor && viaHeader ? { "last-event-id": cursor } : {},
        );
        if (res.status === 204) break;
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
        const reader = new SseReader(res);
        const budget = 1 + Math.floor(random() * 25);
        let serverEnded = false;
        for (let n = 0; n < budget && !serverEnded; n++) {
          const e = await reader.next();
          if (!e) serverEnded = true;
          else {
            expect(JSON.parse(e.data).id).toBe(Number(e.id));
            seen.push(e.id!);
          }
        }
        if (serverEnded) break;
        await reader.cancel();
        reconnects++;
      }
      return { seen, reconnects };
    };
    const starts = Array.from({ length: 8 }, (_, i) => (i === 7 ? 121 : Math.floor(random() * 120)));
    const results = await Promise.all([...starts.map(client), writer]);

    const expected = await allEventIds(jobId);
    expect(expected).toHaveLength(1 + 4 * 36 + 2);
    for (const r of results.slice(0, 8)) {
      expect(r!.seen, `seed ${seed}`).toEqual(expected);
    }
    expect(results.slice(0, 8).some((r) => r!.reconnects > 0)).toBe(true);
    // Every stream, ended by the server or dropped by the client, left the hub.
    expect(hub.subscriberCount).toBe(0);
  });

  it("answers the JSON fallback with the same sequence as the stream, and the job", async () => {
    const jobId = await insertJob();
    await writeEvents(jobId, ["created", "uploaded", "progress"]);
    await writeEvents(jobId, ["stage_completed", "completed"], "completed");
    const streamed = (await readToEnd(new SseReader(await get(`/v1/jobs/${jobId}/events`)))).map((e) =>
      JSON.parse(e.data),
    );
    const polled: unknown[] = [];
    let after = 0;
    for (;;) {
      const res = await get(`/v1/jobs/${jobId}/events?after=${after}&limit=2`, {
        accept: "application/json",
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { job: { status: string }; events: unknown[]; nextAfter: number };
      expect(page.job.status).toBe("completed");
      if (page.events.length === 0) {
        expect(page.nextAfter).toBe(after);
        break;
      }
      polled.push(...page.events);
      after = page.nextAfter;
    }
    expect(streamed.map((e) => e.type)).toEqual([
      "created",
      "uploaded",
      "progress",
      "stage_completed",
      "completed",
    ]);
    expect(polled).toEqual(streamed);
  });

  it("answers 204 to a reconnect after the terminal event, so EventSource stops", async () => {
    const jobId = await insertJob();
    await writeEvents(jobId, ["created", "cancelled"], "completed");
    const events = await readToEnd(new SseReader(await get(`/v1/jobs/${jobId}/events`)));
    expect(events.map((e) => JSON.parse(e.data).type)).toEqual(["created", "cancelled"]);
    const again = await get(`/v1/jobs/${jobId}/events`, { "last-event-id": events.at(-1)!.id! });
    expect(again.status).toBe(204);
  });

  it("is 404 for an unknown job, another tenant's job or a malformed id; 401 without a key", async () => {
    const jobId = await insertJob();
    for (const res of [
      await get(`/v1/jobs/${randomUUID()}/events`),
      await get(`/v1/jobs/${jobId}/events`, {}, OTHER_TENANT_KEY),
      await get(`/v1/jobs/${randomUUID()}/events`, { accept: "application/json" }),
      await get("/v1/jobs/not-a-job/events"),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(((await res.json()) as { code: string }).code).toBe("not_found");
    }
    expect((await get(`/v1/jobs/${jobId}/events`, {}, null)).status).toBe(401);
    expect((await get(`/v1/jobs/${jobId}/events?access_token=wrong-key-0123456789`, {}, null)).status).toBe(
      401,
    );
    expect((await get(`/v1/jobs/${jobId}/events?after=-1`)).status).toBe(400);
    expect((await get(`/v1/jobs/${jobId}/events`, { "last-event-id": "abc" })).status).toBe(400);
  });

  it("accepts ?access_token= for EventSource clients, on this route only", async () => {
    const jobId = await insertJob();
    await writeEvents(jobId, ["created", "completed"], "completed");
    const res = await get(`/v1/jobs/${jobId}/events?access_token=${API_KEY}`, {}, null);
    expect(res.status).toBe(200);
    expect((await readToEnd(new SseReader(res))).map((e) => JSON.parse(e.data).type)).toEqual([
      "created",
      "completed",
    ]);
    expect((await get(`/v1/jobs/${jobId}?access_token=${API_KEY}`, {}, null)).status).toBe(401);
  });

  it("delivers events committed while the LISTEN connection was down, after it reconnects", async () => {
    // Its own hub, reconnecting 1 s after a loss: the commits below land inside that gap.
    const t = await createTestApp(ctx);
    const own = new Metrics();
    const slowListener = new NotificationListener({
      databaseUrl: ctx.databaseUrl,
      logger: silentLogger,
      reconnectDelayMs: 1000,
    });
    const slowHub = new JobEventHub({ listener: slowListener, logger: silentLogger, metrics: own });
    const slowApp = createApp({ ...t.deps, eventHub: slowHub, eventStream: { heartbeatMs: 600_000 } });
    const gauge = async () => (await own.eventListenerConnected.get()).values[0]?.value;
    const sharedHubPids = await listenerPids();
    try {
      const jobId = await insertJob();
      await writeEvents(jobId, ["created"]);
      const res = await slowApp.request(`/v1/jobs/${jobId}/events`, {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      const reader = new SseReader(res);
      expect(JSON.parse((await reader.next())!.data).type).toBe("created");
      expect(await gauge()).toBe(1);
      // With a timeout, pg_terminate_backend returns once the backend has exited, so these
      // commits cannot reach the old connection: only the reconnect's resync can deliver them.
      const { rows } = await sql<{ killed: boolean }>`
        SELECT pg_terminate_backend(pid, 5000) AS killed FROM pg_stat_activity
        WHERE application_name = ${LISTENER_APPLICATION_NAME} AND datname = current_database()
          AND pid <> ALL(${sql.val(sharedHubPids)}::int[])`.execute(ctx.db);
      expect(rows).toEqual([{ killed: true }]);
      await writeEvents(jobId, ["progress"]);
      await writeEvents(jobId, ["completed"], "completed");
      expect(await gauge()).toBe(0);
      const rest = await readToEnd(reader);
      expect(rest.map((e) => JSON.parse(e.data).type)).toEqual(["progress", "completed"]);
      expect((await own.eventListenerReconnects.get()).values[0]?.value).toBe(1);
    } finally {
      await slowHub.close();
      await slowListener.close();
    }
  });

  it("sends heartbeat comments while nothing happens", async () => {
    const t = await createTestApp(ctx);
    const fast = createApp({ ...t.deps, eventHub: hub, eventStream: { heartbeatMs: 20 } });
    const jobId = await insertJob();
    const res = await fast.request(`/v1/jobs/${jobId}/events`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const reader = new SseReader(res);
    await reader.nextComment("heartbeat");
    await reader.nextComment("heartbeat");
    await reader.cancel();
  });
});
