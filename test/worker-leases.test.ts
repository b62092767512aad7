import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fenceOf, LeaseLostError } from "../src/db/fence.js";
import type { JobRow } from "../src/db/schema.js";
import { claimJobs } from "../src/db/sql/claim.js";
import { endStages } from "../src/db/sql/end-stages.js";
import { extendLeases } from "../src/db/sql/extend-leases.js";
import { lockFenced } from "../src/db/sql/lock-fenced.js";
import { releaseExpiredLeases } from "../src/db/sql/release-expired-leases.js";
import { releaseJob } from "../src/db/sql/release-job.js";
import { reportProgress } from "../src/db/sql/report-progress.js";
import { upsertEmbeddingsFenced } from "../src/db/sql/upsert-embeddings.js";
import { StageCompletionBatcher } from "../src/jobs/complete-batch.js";
import { silentLogger } from "../src/observability/logger.js";
import { Metrics } from "../src/observability/metrics.js";
import { createStageDeps } from "../src/worker/deps.js";
import { commitStage, writeFenced } from "../src/worker/stage.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { uploadFile } from "./helpers/upload.js";

let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
});
afterAll(() => ctx.close());

const expireLease = (id: string) =>
  ctx.db
    .updateTable("jobs")
    .set({ lease_expires_at: new Date(Date.now() - 1000) })
    .where("id", "=", id)
    .execute();
const claimOne = async (workerId: string, id: string) => {
  const [job] = await claimJobs(ctx.db, { workerId, stages: ["parse"], limit: 1, leaseSeconds: 30 });
  expect(job?.id).toBe(id);
  return job!;
};

describe("leases and fencing", () => {
  it("a stale worker whose lease was taken over cannot write outputs or move the job", async () => {
    const id = await uploadFile(t, "stale.txt", "text/plain", "stale worker test");
    const deps = createStageDeps({
      config: ctx.config,
      db: ctx.db,
      store: ctx.store,
      logger: silentLogger,
      metrics: new Metrics(),
    });
    const stale = await claimOne("worker-a", id);
    await expireLease(id);
    const reaped = await releaseExpiredLeases(ctx.db);
    expect(reaped.map((j) => j.id)).toContain(id);
    const fresh = await claimOne("worker-b", id);
    expect(fresh.attempt).toBe(2);

    const staleRun = {
      job: stale,
      fence: fenceOf(stale, "worker-a"),
      signal: new AbortController().signal,
      logger: silentLogger,
    };
    const write = writeFenced(deps, staleRun, (trx) =>
      trx
        .insertInto("documents")
        .values({ job_id: id, detected_type: "text", text_key: "x", chars: 1, page_count: 1 })
        .execute()
        .then(() => {}),
    );
    await expect(write).rejects.toBeInstanceOf(LeaseLostError);
    // Vectors are written by one fenced statement of their own: the stale one writes none.
    const { id: chunkId } = await ctx.db
      .insertInto("chunks")
      .values({ job_id: id, seq: 0, text: "c", start_offset: 0, end_offset: 1, token_count: 1 })
      .returning("id")
      .executeTakeFirstOrThrow();
    const vectors = (v: number) => [{ chunkId: String(chunkId), vector: [v, v] }];
    await expect(upsertEmbeddingsFenced(ctx.db, staleRun.fence, "m", vectors(0.5))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(
      await ctx.db.selectFrom("embeddings").select("chunk_id").where("job_id", "=", id).execute(),
    ).toEqual([]);
    await expect(commitStage(deps, staleRun, async () => ({}))).rejects.toBeInstanceOf(LeaseLostError);
    expect(await extendLeases(ctx.db, "worker-a", [{ id, attempt: 1 }], 30)).toEqual([id]);
    expect(await releaseJob(ctx.db, fenceOf(stale, "worker-a"), "stale")).toBe(false);

    const docs = await ctx.db.selectFrom("documents").select("job_id").where("job_id", "=", id).execute();
    expect(docs).toHaveLength(0);
    const row = await ctx.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "running", lease_owner: "worker-b", attempt: 2, stage: "parse" });
    // The new owner's fence holds: its vectors are written, and a rerun replaces them.
    const freshRun = { ...staleRun, job: fresh, fence: fenceOf(fresh, "worker-b") };
    await upsertEmbeddingsFenced(ctx.db, freshRun.fence, "m", vectors(0.25));
    await upsertEmbeddingsFenced(ctx.db, freshRun.fence, "m2", vectors(0.75));
    expect(
      await ctx.db.selectFrom("embeddings").select(["model", "vector"]).where("job_id", "=", id).execute(),
    ).toEqual([{ model: "m2", vector: [0.75, 0.75] }]);
    const done = await commitStage(deps, freshRun, async () => ({}));
    expect(done).toMatchObject({ status: "queued", stage: "chunk", attempt: 0 });
  });

  it("a chained stage is fenced apart from the stage before it, though owner and attempt match", async () => {
    const id = await uploadFile(t, "chained.txt", "text/plain", "chained fence");
    const parse = await claimOne("worker-c", id);
    const chain = { workerId: "worker-c", leaseSeconds: 30, defaultCap: null };
    const [chunk] = await ctx.db
      .transaction()
      .execute((trx) =>
        endStages(trx, [{ job: parse, fence: fenceOf(parse, "worker-c"), detail: {}, chain }]),
      );
    // The same owner and the same attempt number, one stage on.
    expect(chunk).toMatchObject({
      status: "running",
      stage: "chunk",
      attempt: parse.attempt,
      lease_owner: "worker-c",
    });
    const late = fenceOf(parse, "worker-c");
    const { id: chunkId } = await ctx.db
      .insertInto("chunks")
      .values({ job_id: id, seq: 0, text: "c", start_offset: 0, end_offset: 1, token_count: 1 })
      .returning("id")
      .executeTakeFirstOrThrow();
    const vectors = [{ chunkId: String(chunkId), vector: [0.5] }];
    expect(await reportProgress(ctx.db, late, { pagesParsed: 9 })).toBe(false);
    await expect(upsertEmbeddingsFenced(ctx.db, late, "m", vectors)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(ctx.db.transaction().execute((trx) => lockFenced(trx, late))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(
      await ctx.db.transaction().execute((trx) => endStages(trx, [{ job: parse, fence: late, detail: {} }])),
    ).toEqual([]);
    expect(await releaseJob(ctx.db, late, "late")).toBe(false);
    const row = await ctx.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "running", stage: "chunk", lease_owner: "worker-c", progress: {} });
    expect(
      await ctx.db.selectFrom("embeddings").select("chunk_id").where("job_id", "=", id).execute(),
    ).toEqual([]);
    // The chained stage's own fence holds.
    expect(await reportProgress(ctx.db, fenceOf(chunk!, "worker-c"), { chunks: 1 })).toBe(true);
  });

  it("a batch naming one job twice (a stale run beside the current one) ends it once, by the current fence", async () => {
    for (const staleFirst of [true, false]) {
      const id = await uploadFile(t, `twice-${staleFirst}.txt`, "text/plain", "twice");
      const job = await claimOne("worker-d", id);
      const current = { job, fence: fenceOf(job, "worker-d"), detail: { run: "current" } };
      const stale = { job, fence: { ...current.fence, attempt: job.attempt - 1 }, detail: { run: "stale" } };
      // The heartbeat's list can name it twice too; either attempt keeping the lease is enough.
      const held = [
        { id, attempt: job.attempt - 1 },
        { id, attempt: job.attempt },
      ];
      expect(await extendLeases(ctx.db, "worker-d", staleFirst ? held : held.reverse(), 30)).toEqual([]);
      const ended = await ctx.db
        .transaction()
        .execute((trx) => endStages(trx, staleFirst ? [stale, current] : [current, stale]));
      expect(ended.map((r) => [r.id, r.status, r.stage])).toEqual([[id, "queued", "chunk"]]);
      const completed = await ctx.db
        .selectFrom("job_events")
        .select("data")
        .where("job_id", "=", id)
        .where("type", "=", "stage_completed")
        .execute();
      expect(completed.map((e) => e.data.run)).toEqual(["current"]);
    }
  });

  it("only a running job has a lease owner, which the stage end's fence relies on", async () => {
    const id = await uploadFile(t, "owner.txt", "text/plain", "owner");
    const job = await claimOne("worker-e", id);
    // Out of running with the owner kept, with or without its expiry: refused by Postgres.
    for (const set of [
      sql`status = 'queued', lease_expires_at = NULL`,
      sql`status = 'failed', lease_expires_at = NULL, finished_at = now()`,
      sql`status = 'queued'`,
    ]) {
      const err = await sql`UPDATE jobs SET ${set} WHERE id = ${id}`.execute(ctx.db).then(
        () => null,
        (e: { code?: string; constraint?: string }) => e,
      );
      expect(err).toMatchObject({ code: "23514", constraint: "jobs_lease_only_when_running" });
    }
    // So a stale fence can only ever meet the running job it names.
    expect(
      await ctx.db
        .selectFrom("jobs")
        .select(["status", "lease_owner"])
        .where("id", "=", id)
        .executeTakeFirst(),
    ).toEqual({ status: "running", lease_owner: "worker-e" });
    expect(job.lease_owner).toBe("worker-e");
  });

  it("a batched stage completion commits the fenced jobs and refuses the stale one", async () => {
    const ids = await Promise.all(["b1", "b2", "b3"].map((n) => uploadFile(t, `${n}.txt`, "text/plain", n)));
    const claimed = await claimJobs(ctx.db, {
      workerId: "batcher",
      stages: ["parse"],
      limit: 10,
      leaseSeconds: 30,
    });
    const mine = claimed.filter((j) => ids.includes(j.id));
    expect(mine).toHaveLength(3);
    const [lost, ...kept] = mine as [JobRow, ...JobRow[]];
    // Someone else owns `lost` now.
    await ctx.db
      .updateTable("jobs")
      .set({ lease_owner: "thief", attempt: lost.attempt + 1 })
      .where("id", "=", lost.id)
      .execute();
    const batcher = new StageCompletionBatcher({ db: ctx.db });
    const results = await Promise.allSettled(
      mine.map((j) => batcher.complete(j, fenceOf(j, "batcher"), { note: "batched" })),
    );
    expect(results[0]).toMatchObject({ status: "rejected", reason: expect.any(LeaseLostError) });
    expect(results.slice(1).map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    const rows = await ctx.db.selectFrom("jobs").selectAll().where("id", "in", ids).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(lost.id)).toMatchObject({ status: "running", lease_owner: "thief", stage: "parse" });
    for (const j of kept)
      expect(byId.get(j.id)).toMatchObject({
        status: "queued",
        stage: "chunk",
        attempt: 0,
        lease_owner: null,
      });
    const events = await ctx.db
      .selectFrom("job_events")
      .select(["job_id", "data"])
      .where("type", "=", "stage_completed")
      .where("job_id", "in", ids)
      .execute();
    expect(events.map((e) => e.job_id).sort()).toEqual(kept.map((j) => j.id).sort());
    expect(events.every((e) => e.data.note === "batched")).toBe(true);
  });

  it("the reaper fails a job whose last attempt's lease expired, with an event", async () => {
    const id = await uploadFile(t, "last.txt", "text/plain", "last attempt");
    await ctx.db.updateTable("jobs").set({ max_attempts: 1 }).where("id", "=", id).execute();
    await claimOne("worker-c", id);
    await expireLease(id);
    await releaseExpiredLeases(ctx.db);
    const row = await ctx.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "failed", error_code: "lease_expired", lease_owner: null });
    const events = await ctx.db
      .selectFrom("job_events")
      .select("type")
      .where("job_id", "=", id)
      .orderBy("id")
      .execute();
    expect(events.map((e) => e.type).at(-1)).toBe("failed");
  });

  it("concurrent reapers and claimers hand each expired job to exactly one new owner", async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) => uploadFile(t, `r${i}.txt`, "text/plain", `reap ${i}`)),
    );
    await claimJobs(ctx.db, { workerId: "doomed", stages: ["parse"], limit: 100, leaseSeconds: 30 });
    await ctx.db
      .updateTable("jobs")
      .set({ lease_expires_at: new Date(Date.now() - 1000) })
      .where("lease_owner", "=", "doomed")
      .execute();
    await Promise.all(Array.from({ length: 4 }, () => releaseExpiredLeases(ctx.db)));
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        claimJobs(ctx.db, { workerId: `w${i}`, stages: ["parse"], limit: 10, leaseSeconds: 30 }),
      ),
    );
    const claimed = claims
      .flat()
      .map((j) => j.id)
      .filter((id) => ids.includes(id));
    expect(claimed.sort()).toEqual([...ids].sort());
    const lease = await ctx.db
      .selectFrom("job_events")
      .select("job_id")
      .where("type", "=", "lease_expired")
      .where("job_id", "in", ids)
      .execute();
    expect(lease).toHaveLength(20);
  });
});
