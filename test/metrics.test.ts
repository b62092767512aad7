import { randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { parseExposition } from "./helpers/prometheus.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
});
afterAll(() => ctx.close());

async function scrape() {
  const res = await t.call("GET", "/metrics", undefined, { key: null });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

const http = (route: string, method: string, status: number) => ({ route, method, status: String(status) });
const COMPLETE = "/v1/uploads/:id/complete";

describe("GET /metrics", () => {
  it("parses as Prometheus exposition and its counters move as a small run completes", async () => {
    const before = await scrape();
    expect(before.types.get("intake_http_requests_total")).toBe("counter");
    expect(before.types.get("intake_jobs")).toBe("gauge");
    expect(before.value("intake_upload_completions_total", { outcome: "ok", source: "callback" })).toBe(0);
    expect(before.value("intake_http_requests_total", http(COMPLETE, "POST", 200))).toBe(0);

    const id = await uploadFile(t, "metrics.txt", "text/plain", "counted, then parsed and chunked\n");
    const waiting = await t.call("POST", "/v1/uploads", {
      filename: "w.txt",
      contentType: "text/plain",
      size: 1,
    });
    const uploaded = await scrape();
    expect(uploaded.value("intake_jobs", { status: "awaiting_upload", stage: "parse" })).toBe(1);
    expect(
      (await t.call("DELETE", `/v1/uploads/${((await waiting.json()) as { id: string }).id}`)).status,
    ).toBe(200);
    expect(uploaded.value("intake_upload_completions_total", { outcome: "ok", source: "callback" })).toBe(1);
    expect(uploaded.value("intake_http_requests_total", http(COMPLETE, "POST", 200))).toBe(1);
    expect(uploaded.value("intake_http_requests_total", http("/v1/uploads", "POST", 201))).toBe(2);
    expect(
      uploaded.value("intake_http_request_duration_seconds_count", { route: COMPLETE, method: "POST" }),
    ).toBe(1);
    expect(uploaded.value("intake_jobs", { status: "queued", stage: "parse" })).toBe(1);
    expect(before.value("intake_jobs", { status: "queued", stage: "parse" })).toBe(0);
    // A scrape is counted after it answered: this one shows only the one before it.
    expect(uploaded.value("intake_http_requests_total", http("/metrics", "GET", 200))).toBe(1);

    expect((await t.call("POST", `/v1/uploads/${id}/complete`)).status).toBe(200);
    expect((await t.call("GET", `/v1/jobs/${randomUUID()}`)).status).toBe(404);
    expect((await t.call("GET", "/no/such/route")).status).toBe(404);

    const { worker } = await startTestWorker(ctx, { metrics: t.deps.metrics });
    try {
      await waitForJobs(ctx.db, ctx.databaseUrl, [id], ["completed"]);
    } finally {
      await worker.stop();
    }
    const done = await scrape();
    expect(done.value("intake_upload_completions_total", { outcome: "already", source: "callback" })).toBe(1);
    expect(done.value("intake_http_requests_total", http(COMPLETE, "POST", 200))).toBe(2);
    expect(done.value("intake_http_requests_total", http("/v1/jobs/:id", "GET", 404))).toBe(1);
    expect(done.value("intake_http_requests_total", http("unmatched", "GET", 404))).toBe(1);
    expect(done.value("intake_http_requests_total", http("/metrics", "GET", 200))).toBe(2);
    expect(done.value("intake_jobs", { status: "queued", stage: "parse" })).toBe(0);
    // Finished jobs are not counted at scrape time (see countLiveJobs).
    expect(done.samples.filter((s) => s.name === "intake_jobs")).toEqual([]);
    for (const stage of ["parse", "chunk", "embed"]) {
      expect(done.value("intake_stage_duration_seconds_count", { stage, outcome: "ok" })).toBe(1);
    }
    expect(done.value("intake_pickup_latency_seconds_count")).toBe(1);
    expect(done.value("intake_end_to_end_latency_seconds_count")).toBe(1);
    expect(done.value("intake_circuit_breaker_open", { dependency: "storage" })).toBe(0);
    // No label carries a raw path: every route label is a registered pattern or `unmatched`.
    const routes = new Set(done.samples.map((s) => s.labels.route).filter(Boolean));
    for (const r of routes) expect(r).not.toMatch(/[0-9a-f]{8}-/);
  });
});

describe("request logs", () => {
  it("carry a request id (echoed, or made), route, status, tenant and job id", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s)) });
    const app = createApp({ ...t.deps, logger });
    const id = await uploadFile(t, "logged.txt", "text/plain", "a line\n");
    const auth = { authorization: `Bearer ${API_KEY}` };

    const given = await app.request(`/v1/jobs/${id}`, { headers: { ...auth, "x-request-id": "req-42" } });
    expect(given.status).toBe(200);
    expect(given.headers.get("x-request-id")).toBe("req-42");
    const made = await app.request(`/v1/jobs/${id}`, { headers: { ...auth, "x-request-id": "bad id!" } });
    const madeId = made.headers.get("x-request-id");
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
    const polled = await app.request(`/v1/jobs/${id}/events?access_token=${API_KEY}`, {
      headers: { accept: "application/json" },
    });
    expect(polled.status).toBe(200);

    const requests = lines.filter((l) => l.msg === "request");
    expect(requests[0]).toMatchObject({
      requestId: "req-42",
      method: "GET",
      route: "/v1/jobs/:id",
      path: `/v1/jobs/${id}`,
      status: 200,
      tenant: "default",
      jobId: id,
    });
    expect(requests[1]).toMatchObject({ requestId: madeId, jobId: id });
    expect(requests[2]).toMatchObject({
      route: "/v1/jobs/:id/events",
      jobId: id,
      stage: "parse",
      status: 200,
    });
    expect(typeof requests[0]!.durationMs).toBe("number");
    // The key given as ?access_token= never reaches the log.
    expect(JSON.stringify(lines)).not.toContain(API_KEY);
  });
});
