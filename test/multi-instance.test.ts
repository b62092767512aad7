import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { NotificationListener } from "../src/db/notification-listener.js";
import { JobEventHub } from "../src/jobs/job-event-hub.js";
import { silentLogger } from "../src/observability/logger.js";
import { createTestApp, putToUrl, sha256Hex, type TestApp } from "./helpers/app.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { freePort } from "./helpers/free-port.js";
import { waitForJobs } from "./helpers/jobs.js";
import { type IntakeProcess, startServeProcess, startWorkerProcess } from "./helpers/process-intake.js";
import { type Exposition, parseExposition } from "./helpers/prometheus.js";
import { readToEnd, SseReader } from "./helpers/sse.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

let ctx: TestContext;
let t: TestApp;
let hub: JobEventHub;
let listener: NotificationListener;
let app: ReturnType<typeof createApp>;
let other: IntakeProcess;
let otherUrl: string;
const auth = { authorization: `Bearer ${API_KEY}` };

beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
  listener = new NotificationListener({ databaseUrl: ctx.databaseUrl, logger: silentLogger });
  hub = new JobEventHub({ listener, logger: silentLogger });
  app = createApp({ ...t.deps, eventHub: hub });
  const port = await freePort();
  other = await startServeProcess("api-2", { ...ctx.env, LOG_LEVEL: "info" }, port);
  otherUrl = `http://127.0.0.1:${port}`;
}, 60_000);
afterAll(async () => {
  await other?.kill();
  await hub?.close();
  await listener?.close();
  await ctx?.close();
});

async function scrapeUntil(url: string, ready: (m: Exposition) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const metrics = parseExposition(await res.text());
    if (ready(metrics)) return metrics;
    if (Date.now() > deadline) throw new Error(`metrics at ${url} not ready within ${timeoutMs} ms`);
  }
}

const eventsOf = async (jobId: string) =>
  (
    await ctx.db
      .selectFrom("job_events")
      .select(["id", "type"])
      .where("job_id", "=", jobId)
      .orderBy("id")
      .execute()
  ).map((r) => ({ id: Number(r.id), type: r.type }));

describe("two API processes on one database", () => {
  it("streams from one process a job driven through the other, live", async () => {
    const content = "driven through one API, watched from another\n";
    const created = await t.call("POST", "/v1/uploads", {
      filename: "two.txt",
      contentType: "text/plain",
      size: Buffer.byteLength(content),
      sha256: sha256Hex(content),
    });
    const job = (await created.json()) as {
      id: string;
      upload: { url: string; headers: Record<string, string> };
    };

    // Connected to the other process before anything but `created` happened.
    const res = await fetch(`${otherUrl}/v1/jobs/${job.id}/events`, { headers: auth });
    expect(res.status).toBe(200);
    const reader = new SseReader(res);
    expect(JSON.parse((await reader.next())!.data).type).toBe("created");

    expect((await putToUrl(job.upload, content)).status).toBe(200);
    expect((await t.call("POST", `/v1/uploads/${job.id}/complete`)).status).toBe(200);
    const { worker } = await startTestWorker(ctx);
    let rest: { id: number; type: string }[];
    try {
      rest = (await readToEnd(reader)).map((e) => JSON.parse(e.data));
    } finally {
      await worker.stop();
    }
    const all = await eventsOf(job.id);
    expect([{ id: all[0]!.id, type: "created" }, ...rest.map(({ id, type }) => ({ id, type }))]).toEqual(all);
    expect(all.map((e) => e.type)).toEqual([
      "created",
      "uploaded",
      ...all.slice(2, -1).map((e) => e.type),
      "completed",
    ]);
    expect(all.filter((e) => e.type === "stage_completed")).toHaveLength(3);

    // The other process's JSON fallback returns the same sequence.
    const polled = await fetch(`${otherUrl}/v1/jobs/${job.id}/events?after=0&limit=1000`, {
      headers: { ...auth, accept: "application/json" },
    });
    const page = (await polled.json()) as { job: { status: string }; events: { id: number; type: string }[] };
    expect(page.job.status).toBe("completed");
    expect(page.events.map(({ id, type }) => ({ id, type }))).toEqual(all);
  }, 60_000);

  it("streams in this process a job cancelled through the other", async () => {
    const created = await fetch(`${otherUrl}/v1/uploads`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ filename: "c.txt", contentType: "text/plain", size: 3 }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const reader = new SseReader(await app.request(`/v1/jobs/${id}/events`, { headers: auth }));
    expect(JSON.parse((await reader.next())!.data).type).toBe("created");
    const cancelled = await fetch(`${otherUrl}/v1/uploads/${id}`, { method: "DELETE", headers: auth });
    expect(cancelled.status).toBe(200);
    const rest = await readToEnd(reader);
    expect(rest.map((e) => JSON.parse(e.data).type)).toEqual(["cancelled"]);
  });
});

describe("a worker in its own process", () => {
  it("serves its own /metrics on INTAKE_METRICS_PORT, counting the stages it ran", async () => {
    const port = await freePort();
    const worker = await startWorkerProcess("worker-metrics", {
      ...ctx.env,
      LOG_LEVEL: "info",
      INTAKE_METRICS_PORT: String(port),
    });
    try {
      await worker.waitForLog((l) => l.msg === "metrics listening", 10_000);
      const id = await uploadFile(t, "w.txt", "text/plain", "worked on elsewhere\n");
      await waitForJobs(ctx.db, ctx.databaseUrl, [id], ["completed"]);
      // The worker observes a stage's duration just after the commit waitForJobs saw, so
      // scrape until the last observation is in (each scrape is a fresh condition check).
      const metrics = await scrapeUntil(
        `http://127.0.0.1:${port}/metrics`,
        (m) => m.value("intake_end_to_end_latency_seconds_count") > 0,
      );
      for (const stage of ["parse", "chunk", "embed"]) {
        expect(metrics.value("intake_stage_duration_seconds_count", { stage, outcome: "ok" })).toBe(1);
      }
      expect(metrics.value("intake_pickup_latency_seconds_count")).toBe(1);
      expect(metrics.value("intake_end_to_end_latency_seconds_count")).toBe(1);
      expect(metrics.value("intake_circuit_breaker_open", { dependency: "storage" })).toBe(0);
      expect(metrics.types.get("intake_process_cpu_user_seconds_total")).toBe("counter");
      // Database-wide job counts come from API processes only, so they are not summed twice.
      expect(metrics.samples.filter((s) => s.name === "intake_jobs")).toEqual([]);
    } finally {
      await worker.kill();
    }
  }, 60_000);
});
