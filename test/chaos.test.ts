import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { type IntakeProcess, startWorkerProcess } from "./helpers/process-intake.js";
import { uploadFile } from "./helpers/upload.js";
import { type ChaosPlan, runChaos } from "./support/chaos-run.js";
import { prose } from "./support/corpus.js";

const FAST_FAULTS = {
  INTAKE_LEASE_SECONDS: "2",
  INTAKE_RETRY_BASE_MS: "20",
  INTAKE_RETRY_CAP_MS: "500",
  INTAKE_BREAKER_RESET_MS: "300",
  INTAKE_CHUNK_SIZE: "200",
  INTAKE_CHUNK_OVERLAP: "20",
};

let ctx: TestContext;
let t: TestApp;
const children: IntakeProcess[] = [];
beforeAll(async () => {
  ctx = await createTestContext(FAST_FAULTS);
  t = await createTestApp(ctx);
});
afterAll(async () => {
  for (const c of children) await c.kill("SIGKILL");
  await ctx.close();
});

/** Resolves once `predicate` holds for the job's rows (polled, bounded). */
async function until<T>(read: () => Promise<T>, predicate: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (predicate(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("chaos", () => {
  it("a worker SIGKILLed mid-stage: the job completes after its lease expires, with one set of outputs", async () => {
    const first = await startWorkerProcess("worker-a", { ...ctx.env, ...FAST_FAULTS, LOG_LEVEL: "info" });
    children.push(first);
    // ~1.3 MB of prose at 200-character chunks: thousands of chunks, so embed takes many batches.
    const id = await uploadFile(t, "long.txt", "text/plain", prose(7, 12_000));
    // Mid-stage: the embed stage has reported progress but not finished.
    const progressed = await until(
      () =>
        ctx.db
          .selectFrom("jobs")
          .select(["status", "stage", "lease_owner", "attempt", "progress"])
          .where("id", "=", id)
          .executeTakeFirstOrThrow(),
      (j) => j.status === "running" && j.stage === "embed" && Number(j.progress.chunksEmbedded ?? 0) > 0,
      20_000,
    );
    expect(progressed.lease_owner).toContain(`:${first.pid}:`);
    await first.kill("SIGKILL");

    const second = await startWorkerProcess("worker-b", { ...ctx.env, ...FAST_FAULTS, LOG_LEVEL: "info" });
    children.push(second);
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id], undefined, 40_000);
    expect(job).toMatchObject({ status: "completed", stage: "embed", attempt: 2 });
    const events = await ctx.db
      .selectFrom("job_events")
      .select(["type", "data"])
      .where("job_id", "=", id)
      .orderBy("id")
      .execute();
    expect(events.filter((e) => e.type === "lease_expired").map((e) => e.data.stage)).toEqual(["embed"]);
    expect(events.filter((e) => e.type === "completed")).toHaveLength(1);
    const { rows } = await sql<{ docs: number; chunks: number; embeddings: number; max_seq: number }>`
      SELECT (SELECT count(*)::int FROM documents WHERE job_id = ${id}) AS docs,
             (SELECT count(*)::int FROM chunks WHERE job_id = ${id}) AS chunks,
             (SELECT count(*)::int FROM embeddings WHERE job_id = ${id}) AS embeddings,
             (SELECT max(seq) FROM chunks WHERE job_id = ${id}) AS max_seq`.execute(ctx.db);
    const outputs = rows[0]!;
    expect(outputs.docs).toBe(1);
    expect(outputs.chunks).toBeGreaterThan(1000);
    expect(outputs.embeddings).toBe(outputs.chunks);
    expect(outputs.max_seq).toBe(outputs.chunks - 1);
  }, 60_000);

  const plan: ChaosPlan = {
    jobs: 40,
    apis: 1,
    workers: 2,
    killWorkerEveryMs: 0,
    killWorkerAt: 0.4,
    killApiAt: null,
    minioOutage: { at: 0.2, ms: 3000 },
    restartPostgresAt: null,
    timeoutMs: 45_000,
  };
  // The run's own deadline, plus its stack: starting Postgres and MinIO (MinIO's liveness wait
  // is up to 30 s) and stopping every process (SIGTERM, SIGKILL after 5 s), on 2 busy cores.
  const budgetMs = plan.timeoutMs + 30_000 + 15_000;

  it(
    "40 jobs through API and worker processes survive a SIGKILLed worker and MinIO down for 3 s",
    async () => {
      const report = await runChaos(plan);
      expect(report.faults.some((f) => f.includes("SIGKILL worker"))).toBe(true);
      expect(report.faults.some((f) => f.includes("MinIO started"))).toBe(true);
      expect(report.uploadFailures).toEqual([]);
      expect(report.unexpectedExits).toEqual([]);
      expect(report.lost).toBe(0);
      expect(report.duplicateJobs).toBe(0);
      expect(report.byStatus).toEqual({ completed: 40 });
      expect(report.badOutputs).toEqual([]);
    },
    budgetMs,
  );
});
