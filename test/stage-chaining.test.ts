import { afterEach, describe, expect, it } from "vitest";
import { createTestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

// Stage chaining: a worker that runs the next stage too takes it in the transaction that ends
// the current one (no queue, no claim). Its trace in Postgres: `stage_completed` and the next
// `stage_started` in one transaction (the same now()), the job never `queued` in between, and
// attempt 1 of each stage under the same worker.

const body = "Chained stages keep a document moving. ".repeat(200);
let ctx: TestContext | undefined;
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
  await ctx?.close();
});

async function run(env: Record<string, string>, stages?: ("parse" | "chunk" | "embed")[]) {
  ctx = await createTestContext({ INTAKE_CHUNK_SIZE: "200", ...env });
  const t = await createTestApp(ctx);
  const { worker } = await startTestWorker(ctx, { stages });
  stop = () => worker.stop();
  const id = await uploadFile(t, "chain.txt", "text/plain", body);
  return { id, workerId: worker.workerId };
}

async function transitions(id: string) {
  const events = await ctx!.db
    .selectFrom("job_events")
    .select(["id", "type", "data", "created_at"])
    .where("job_id", "=", id)
    .where("type", "in", ["stage_started", "stage_completed", "completed"])
    .orderBy("id")
    .execute();
  // For each stage after parse: was it started in the transaction that ended the one before?
  const chained: boolean[] = [];
  for (const [i, e] of events.entries()) {
    if (e.type !== "stage_started" || e.data.stage === "parse") continue;
    const before = events[i - 1];
    chained.push(
      before?.type === "stage_completed" && before.created_at.getTime() === e.created_at.getTime(),
    );
  }
  return { events, chained };
}

describe("stage chaining", () => {
  it("one worker runs parse, chunk and embed back to back, each attempt 1, never queued between", async () => {
    const { id, workerId } = await run({});
    const [job] = await waitForJobs(ctx!.db, ctx!.databaseUrl, [id]);
    expect(job?.status).toBe("completed");
    const { events, chained } = await transitions(id);
    expect(chained).toEqual([true, true]);
    const started = events.filter((e) => e.type === "stage_started").map((e) => e.data);
    expect(started).toEqual([
      expect.objectContaining({ stage: "parse", attempt: 1, worker: workerId }),
      expect.objectContaining({ stage: "chunk", attempt: 1, worker: workerId }),
      expect.objectContaining({ stage: "embed", attempt: 1, worker: workerId }),
    ]);
    const chunks = await ctx!.db.selectFrom("chunks").select("id").where("job_id", "=", id).execute();
    const vectors = await ctx!.db
      .selectFrom("embeddings")
      .select("chunk_id")
      .where("job_id", "=", id)
      .execute();
    expect(vectors.length).toBe(chunks.length);
    expect(chunks.length).toBeGreaterThan(10);
  });

  it("a tenant with a cap on running jobs per stage goes through the claim, which enforces it", async () => {
    const { id } = await run({ INTAKE_TENANT_MAX_RUNNING_PER_STAGE: "3" });
    const [job] = await waitForJobs(ctx!.db, ctx!.databaseUrl, [id]);
    expect(job?.status).toBe("completed");
    expect((await transitions(id)).chained).toEqual([false, false]);
  });

  it("is off with INTAKE_STAGE_CHAINING=off, and never hands over a stage the worker does not run", async () => {
    const off = await run({ INTAKE_STAGE_CHAINING: "off" });
    expect((await waitForJobs(ctx!.db, ctx!.databaseUrl, [off.id]))[0]?.status).toBe("completed");
    expect((await transitions(off.id)).chained).toEqual([false, false]);
    await stop?.();
    stop = undefined;
    await ctx?.close();

    const parseOnly = await run({}, ["parse"]);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const row = await ctx!.db
        .selectFrom("jobs")
        .select(["status", "stage", "lease_owner"])
        .where("id", "=", parseOnly.id)
        .executeTakeFirstOrThrow();
      if (row.stage === "chunk") {
        expect(row).toEqual({ status: "queued", stage: "chunk", lease_owner: null });
        break;
      }
      if (Date.now() > deadline) throw new Error(`parse did not finish: ${JSON.stringify(row)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
