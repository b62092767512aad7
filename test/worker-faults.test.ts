import { mkdtemp } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOpenAIEmbedder } from "../src/pipeline/index.js";
import { type LocalMinio, startLocalMinio } from "../src/storage/local-minio.js";
import type { Worker } from "../src/worker/runtime.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { S3_KEY, S3_SECRET } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { freePort } from "./helpers/free-port.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

/** A local OpenAI-compatible endpoint whose behaviour each test sets. */
function embeddingServer() {
  const state = { failuresLeft: 0, alwaysFail: false, calls: 0 };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      state.calls++;
      if (state.alwaysFail || state.failuresLeft > 0) {
        state.failuresLeft--;
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "model overloaded (test)" } }));
        return;
      }
      const input = JSON.parse(body).input as string[];
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ data: input.map((_, index) => ({ index, embedding: [0.1, 0.2, 0.3, 0.4] })) }),
      );
    });
  });
  return { state, server };
}

let ctx: TestContext;
let t: TestApp;
let minio: LocalMinio;
let minioPort: number;
let minioDir: string;
const embed = embeddingServer();
let worker: Worker | undefined;

beforeAll(async () => {
  // This file stops and restarts its own MinIO.
  minioPort = await freePort();
  minioDir = await mkdtemp(path.join(os.tmpdir(), "intake-faults-"));
  minio = await startLocalMinio({
    port: minioPort,
    dataDir: minioDir,
    accessKeyId: S3_KEY,
    secretAccessKey: S3_SECRET,
  });
  await new Promise<void>((r) => embed.server.listen(0, "127.0.0.1", r));
  ctx = await createTestContext({
    S3_ENDPOINT: minio.endpoint,
    INTAKE_MAX_ATTEMPTS: "5",
    INTAKE_RETRY_BASE_MS: "20",
    INTAKE_RETRY_CAP_MS: "100",
    INTAKE_BREAKER_RESET_MS: "300",
    INTAKE_LEASE_SECONDS: "5",
  });
  t = await createTestApp(ctx);
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});
afterAll(async () => {
  embed.server.close();
  await minio.stop();
  await ctx.close();
});

const provider = () =>
  createOpenAIEmbedder({
    baseUrl: `http://127.0.0.1:${(embed.server.address() as AddressInfo).port}`,
    model: "test-embed",
    timeoutMs: 2000,
  });

describe("embedding provider faults", () => {
  it("retries an endpoint that answers 500s, then succeeds", async () => {
    embed.state.failuresLeft = 5;
    ({ worker } = await startTestWorker(ctx, { provider: provider() }));
    const id = await uploadFile(t, "e.txt", "text/plain", "embed me please");
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
    expect(job!.status).toBe("completed");
    const rows = await ctx.db
      .selectFrom("embeddings")
      .select(["model", "vector"])
      .where("job_id", "=", id)
      .execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toMatchObject({ model: "test-embed", vector: [0.1, 0.2, 0.3, 0.4] });
    expect(embed.state.failuresLeft).toBeLessThanOrEqual(0);
    // The 500s cost attempts at the embed stage (retried with backoff), not the job.
    const retries = await ctx.db
      .selectFrom("job_events")
      .select("data")
      .where("job_id", "=", id)
      .where("type", "=", "retry_scheduled")
      .execute();
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.every((e) => (e.data as any).stage === "embed")).toBe(true);
  });

  it("fails a job with the provider's error after max attempts, and a retry resumes it at embed", async () => {
    embed.state.alwaysFail = true;
    ({ worker } = await startTestWorker(ctx, { provider: provider() }));
    const id = await uploadFile(t, "f.txt", "text/plain", "this provider is down");
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
    expect(job).toMatchObject({
      status: "failed",
      stage: "embed",
      error_code: "embedding_provider_error",
      attempt: 5,
    });
    expect(job!.error_message).toMatch(/model overloaded \(test\)/);

    embed.state.alwaysFail = false;
    const res = await t.call("POST", `/v1/jobs/${id}/retry`);
    expect(res.status).toBe(200);
    expect((await res.json()) as any).toMatchObject({ status: "queued", stage: "embed" });
    const [after] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
    expect(after!.status).toBe("completed");
    const parses = await ctx.db
      .selectFrom("job_events")
      .select("data")
      .where("job_id", "=", id)
      .where("type", "=", "stage_completed")
      .execute();
    expect(parses.filter((e) => e.data.stage === "parse")).toHaveLength(1);
    expect((await t.call("POST", `/v1/jobs/${id}/retry`)).status).toBe(409);
  });
});

describe("storage outage", () => {
  it("MinIO stopped mid-run and restarted: the breaker opens, no job fails, every job completes", async () => {
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        uploadFile(t, `o${i}.md`, "text/markdown", `# Doc ${i}\n\n${"words ".repeat(400)}`),
      ),
    );
    // Queued jobs, storage gone, then the workers start: every read fails.
    await minio.stop();
    const started = await startTestWorker(ctx, { concurrency: 4 });
    worker = started.worker;
    const deadline = Date.now() + 20_000;
    // Wait for the state we assert on: breaker open, and every claimed job handed back.
    const running = () =>
      ctx.db.selectFrom("jobs").select("id").where("id", "in", ids).where("status", "=", "running").execute();
    const releasedEvents = () =>
      ctx.db
        .selectFrom("job_events")
        .select("data")
        .where("job_id", "in", ids)
        .where("type", "=", "released")
        .execute();
    while (
      !started.deps.store.isOpen ||
      (await running()).length > 0 ||
      (await releasedEvents()).length === 0
    ) {
      if (Date.now() > deadline) throw new Error("storage breaker did not open and release its jobs");
      await new Promise((r) => setTimeout(r, 20));
    }
    const released = await releasedEvents();
    expect(released.length).toBeGreaterThan(0);
    expect(released.every((e) => String(e.data.reason).includes("storage"))).toBe(true);
    const attempts = await ctx.db.selectFrom("jobs").select("attempt").where("id", "in", ids).execute();
    expect(attempts.every((j) => j.attempt <= 1)).toBe(true);

    minio = await startLocalMinio({
      port: minioPort,
      dataDir: minioDir,
      accessKeyId: S3_KEY,
      secretAccessKey: S3_SECRET,
    });
    const jobs = await waitForJobs(ctx.db, ctx.databaseUrl, ids, undefined, 60_000);
    expect(jobs.map((j) => j.status)).toEqual(Array(ids.length).fill("completed"));
    const failed = await ctx.db
      .selectFrom("job_events")
      .select("id")
      .where("job_id", "in", ids)
      .where("type", "in", ["failed", "retry_scheduled"])
      .execute();
    expect(failed).toHaveLength(0);
    const dup = await ctx.db
      .selectFrom("chunks")
      .select(["job_id", "seq"])
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("job_id", "in", ids)
      .groupBy(["job_id", "seq"])
      .having((eb) => eb.fn.countAll(), ">", 1)
      .execute();
    expect(dup).toHaveLength(0);
  });
});
