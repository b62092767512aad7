import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fenceOf, LeaseLostError } from "../src/db/fence.js";
import { claimJobs } from "../src/db/sql/claim.js";
import { completeWithReusedOutputs } from "../src/db/sql/complete-with-reused-outputs.js";
import { findReusableJob } from "../src/db/sql/find-reusable-job.js";
import { markJobDeleted } from "../src/db/sql/mark-job-deleted.js";
import { retentionOnce } from "../src/jobs/retention.js";
import { silentLogger } from "../src/observability/logger.js";
import { Metrics } from "../src/observability/metrics.js";
import { ObjectNotFoundError } from "../src/storage/errors.js";
import { createStageDeps } from "../src/worker/deps.js";
import { parseStage } from "../src/worker/stages/parse.js";
import { createTestApp, putToUrl, sha256Hex, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

// DELETE, retention and reprocess against the real Postgres and MinIO: each test drives the
// interleaving it is about on purpose, then asserts on what the database and the bucket hold.

let ctx: TestContext;
let t: TestApp;
let endpointId: string;
beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
  const endpoint = await ctx.db
    .insertInto("webhook_endpoints")
    .values({
      tenant_id: "default",
      url: "https://hooks.example.com/",
      description: null,
      events: null,
      secret: "whsec_AA",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  endpointId = endpoint.id;
});
afterAll(() => ctx.close());

const TEXT = Array.from(
  { length: 60 },
  (_, i) =>
    `Paragraph ${i}. The quick brown fox number ${i} jumps over the lazy dog and keeps running far away.\n\n`,
).join("");

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function exists(key: string): Promise<boolean> {
  try {
    await ctx.store.head(key);
    return true;
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return false;
    throw err;
  }
}

const jobRow = (id: string) =>
  ctx.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const count = async (table: "chunks" | "documents" | "embeddings", jobId: string) =>
  Number(
    (
      await ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("job_id", "=", jobId)
        .executeTakeFirstOrThrow()
    ).n,
  );
const derivedKeys = async (jobId: string) =>
  (await ctx.db.selectFrom("documents").select("text_key").where("job_id", "=", jobId).execute()).map(
    (d) => d.text_key,
  );

async function runToCompletion(ids: string[], stages?: ("parse" | "chunk" | "embed")[]) {
  const { worker, deps } = await startTestWorker(ctx, stages ? { stages } : {});
  try {
    return await waitForJobs(ctx.db, ctx.databaseUrl, ids);
  } finally {
    await worker.stop();
    await deps.parser.close();
  }
}

async function expectGone(id: string, objectKey: string, textKeys: string[]) {
  expect((await t.call("GET", `/v1/jobs/${id}`)).status).toBe(404);
  expect((await t.call("GET", `/v1/jobs/${id}/chunks`)).status).toBe(404);
  expect((await t.call("GET", `/v1/jobs/${id}/document`)).status).toBe(404);
  const row = await jobRow(id);
  expect(row).toMatchObject({ status: "deleted", lease_owner: null });
  expect(row.purged_at).not.toBeNull();
  expect(await count("chunks", id)).toBe(0);
  expect(await count("embeddings", id)).toBe(0);
  expect(await count("documents", id)).toBe(0);
  expect(await exists(objectKey)).toBe(false);
  for (const key of textKeys) expect(await exists(key), key).toBe(false);
  const events = await ctx.db
    .selectFrom("job_events")
    .select("type")
    .where("job_id", "=", id)
    .orderBy("id")
    .execute();
  expect(events.at(-1)?.type).toBe("deleted");
  const deliveries = await ctx.db
    .selectFrom("webhook_deliveries")
    .select(["type", "job", "endpoint_id"])
    .where("job_id", "=", id)
    .where("type", "=", "job.deleted")
    .execute();
  expect(deliveries).toHaveLength(1);
  expect(deliveries[0]!.endpoint_id).toBe(endpointId);
  expect(deliveries[0]!.job.row).toMatchObject({ id, status: "deleted" });
}

describe("DELETE /v1/jobs/{id}", () => {
  it("deletes an upload still awaiting, with what was uploaded", async () => {
    const res = await t.call("POST", "/v1/uploads", {
      filename: "a.txt",
      contentType: "text/plain",
      size: Buffer.byteLength(TEXT),
      sha256: sha256Hex(TEXT),
    });
    const created = (await res.json()) as {
      id: string;
      upload: { url: string; headers: Record<string, string> };
    };
    expect((await putToUrl(created.upload, TEXT)).status).toBe(200);
    const { object_key } = await jobRow(created.id);
    expect(await exists(object_key)).toBe(true);
    expect((await t.call("DELETE", `/v1/jobs/${created.id}`)).status).toBe(204);
    await expectGone(created.id, object_key, []);
    // The client's completion arrives too late: the job is gone.
    expect((await t.call("POST", `/v1/uploads/${created.id}/complete`)).status).toBe(404);
    // A second DELETE of a deleted job is a 404 like any GET.
    expect((await t.call("DELETE", `/v1/jobs/${created.id}`)).status).toBe(404);
  });

  it("deletes a queued job before any worker claims it", async () => {
    const id = await uploadFile(t, "q.txt", "text/plain", TEXT);
    const { object_key } = await jobRow(id);
    expect((await t.call("DELETE", `/v1/jobs/${id}`)).status).toBe(204);
    await expectGone(id, object_key, []);
    expect(
      await claimJobs(ctx.db, { workerId: "late", stages: ["parse"], limit: 10, leaseSeconds: 30 }),
    ).toEqual([]);
  });

  it("deletes a running job through its fence: the worker's later writes change nothing", async () => {
    const id = await uploadFile(t, "r.txt", "text/plain", TEXT);
    const deps = createStageDeps({
      config: ctx.config,
      db: ctx.db,
      store: ctx.store,
      logger: silentLogger,
      metrics: new Metrics(),
    });
    const [claimed] = await claimJobs(ctx.db, {
      workerId: "held",
      stages: ["parse"],
      limit: 1,
      leaseSeconds: 30,
    });
    expect(claimed?.id).toBe(id);
    const entered = deferred();
    const release = deferred();
    // The real parser, held inside the stage after it has started writing its text object.
    const held = {
      ...deps,
      parser: {
        parse: async (...args: Parameters<typeof deps.parser.parse>) => {
          await args[2].write("partial text written before the delete\n");
          entered.resolve();
          await release.promise;
          return deps.parser.parse(...args);
        },
      } as unknown as typeof deps.parser,
    };
    const run = {
      job: claimed!,
      fence: fenceOf(claimed!, "held"),
      signal: new AbortController().signal,
      logger: silentLogger,
    };
    const stage = parseStage(held, run);
    await entered.promise;
    const { object_key } = await jobRow(id);
    expect((await t.call("DELETE", `/v1/jobs/${id}`)).status).toBe(204);
    release.resolve();
    await expect(stage).rejects.toBeInstanceOf(LeaseLostError);
    await deps.parser.close();
    // The attempt's text object, written after the purge, was removed by the stage itself.
    await expectGone(id, object_key, [`derived/default/${id}/text.1.txt`]);
    const events = await ctx.db
      .selectFrom("job_events")
      .select("type")
      .where("job_id", "=", id)
      .orderBy("id")
      .execute();
    expect(events.map((e) => e.type)).not.toContain("stage_completed");
  });

  it("deletes a completed job's original, derived text, chunks and embeddings", async () => {
    const id = await uploadFile(t, "c.txt", "text/plain", `${TEXT}completed`);
    await runToCompletion([id]);
    const keys = await derivedKeys(id);
    expect(keys).toHaveLength(1);
    expect(await count("embeddings", id)).toBeGreaterThan(0);
    const { object_key } = await jobRow(id);
    expect((await t.call("DELETE", `/v1/jobs/${id}`)).status).toBe(204);
    await expectGone(id, object_key, keys);
  });

  it("a purge interrupted after the commit is finished by the retention pass", async () => {
    const id = await uploadFile(t, "crash.txt", "text/plain", `${TEXT}crash`);
    await runToCompletion([id]);
    const keys = await derivedKeys(id);
    const row = await jobRow(id);
    // The DELETE's commit, and then the process dies before its storage cleanup.
    await markJobDeleted(ctx.db, row, "deleted by client");
    expect(await exists(keys[0]!)).toBe(true);
    await ctx.db
      .updateTable("jobs")
      .set({ updated_at: sql<Date>`now() - interval '1 hour'` })
      .where("id", "=", id)
      .execute();
    const report = await retentionOnce({
      config: ctx.config,
      db: ctx.db,
      store: ctx.store,
      logger: silentLogger,
    });
    expect(report.purged).toBeGreaterThanOrEqual(1);
    await expectGone(id, row.object_key, keys);
  });
});

describe("dedup and delete (reference counting)", () => {
  it("deleting the original keeps the reuser's chunks and document; the last reference frees them", async () => {
    const body = `${TEXT}dedup`;
    const original = await uploadFile(t, "orig.txt", "text/plain", body);
    await runToCompletion([original]);
    const reuser = await uploadFile(t, "copy.txt", "text/plain", body);
    const [done] = await runToCompletion([reuser]);
    expect(done!.reused_from).toBe(original);
    const before = (await (await t.call("GET", `/v1/jobs/${reuser}/chunks?embeddings=true`)).json()) as {
      chunks: { text: string; embedding: unknown }[];
    };
    expect(before.chunks.length).toBeGreaterThan(0);
    const keys = await derivedKeys(original);
    // New settings for the original would change the reuser's outputs under it.
    const shared = await t.call("POST", `/v1/jobs/${original}/reprocess`, {
      from: "chunk",
      settings: { chunkSize: 300 },
    });
    expect(shared.status).toBe(409);
    expect(((await shared.json()) as { code: string }).code).toBe("outputs_shared");
    expect((await jobRow(original)).status).toBe("completed");

    expect((await t.call("DELETE", `/v1/jobs/${original}`)).status).toBe(204);
    expect((await t.call("GET", `/v1/jobs/${original}`)).status).toBe(404);
    const after = await t.call("GET", `/v1/jobs/${reuser}/chunks?embeddings=true`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual(before);
    const doc = await t.call("GET", `/v1/jobs/${reuser}/document`);
    expect(doc.status).toBe(200);
    expect(await doc.text()).toContain("Paragraph 59.");
    // The original upload went; the outputs stay while a live job reads them.
    const orig = await jobRow(original);
    expect(await exists(orig.object_key)).toBe(false);
    expect(orig.purged_at).toBeNull();
    expect(await exists(keys[0]!)).toBe(true);
    // The retention pass does not take a source that is still referenced.
    await retentionOnce({ config: ctx.config, db: ctx.db, store: ctx.store, logger: silentLogger });
    expect(await count("chunks", original)).toBeGreaterThan(0);

    // A new upload of the same content links to no deleted job, nor to a reuser (one hop only).
    const third = await uploadFile(t, "third.txt", "text/plain", body);
    const [thirdDone] = await runToCompletion([third]);
    expect(thirdDone).toMatchObject({ status: "completed", reused_from: null });
    expect(await count("chunks", third)).toBeGreaterThan(0);
    expect((await t.call("DELETE", `/v1/jobs/${reuser}`)).status).toBe(204);
    expect(await count("chunks", original)).toBe(0);
    expect(await count("documents", original)).toBe(0);
    expect(await exists(keys[0]!)).toBe(false);
    expect((await jobRow(original)).purged_at).not.toBeNull();
  });
});

describe("dedup and delete racing", () => {
  it("a DELETE of the source that commits first makes the reuser process the job itself", async () => {
    const body = `${TEXT}race`;
    const source = await uploadFile(t, "src.txt", "text/plain", body);
    await runToCompletion([source]);
    const copy = await uploadFile(t, "copy.txt", "text/plain", body);
    const [claimed] = await claimJobs(ctx.db, {
      workerId: "racer",
      stages: ["parse"],
      limit: 1,
      leaseSeconds: 30,
    });
    expect(claimed?.id).toBe(copy);
    // The worker has found the source reusable…
    const reusable = await findReusableJob(ctx.db, claimed!);
    expect(reusable?.id).toBe(source);
    // …and the DELETE commits before its link does.
    expect((await t.call("DELETE", `/v1/jobs/${source}`)).status).toBe(204);
    expect(await completeWithReusedOutputs(ctx.db, fenceOf(claimed!, "racer"), source)).toBe(false);
    const row = await jobRow(copy);
    expect(row).toMatchObject({ status: "running", reused_from: null, lease_owner: "racer" });
    // The source's data is gone: nothing referenced it when it was deleted.
    expect(await count("chunks", source)).toBe(0);
  });
});

describe("retention", () => {
  it("deletes finished jobs past INTAKE_RETENTION_DAYS; passes in parallel split the work", async () => {
    const old = await Promise.all(
      [1, 2, 3, 4].map((i) => uploadFile(t, `old${i}.txt`, "text/plain", `${TEXT}old ${i}`)),
    );
    const fresh = await uploadFile(t, "fresh.txt", "text/plain", `${TEXT}fresh`);
    await runToCompletion([...old, fresh]);
    await ctx.db
      .updateTable("jobs")
      .set({ finished_at: sql<Date>`now() - interval '3 days'` })
      .where("id", "in", old)
      .execute();
    const config = { ...ctx.config, retention: { days: 2, intervalMs: 1000 } };
    const deps = { config, db: ctx.db, store: ctx.store, logger: silentLogger };
    const reports = await Promise.all([
      retentionOnce(deps, 2),
      retentionOnce(deps, 2),
      retentionOnce(deps, 2),
    ]);
    expect(reports.reduce((n, r) => n + r.deleted, 0)).toBe(4);
    for (const id of old) {
      const row = await jobRow(id);
      expect(row.status).toBe("deleted");
      expect(await exists(row.object_key)).toBe(false);
      expect(await count("chunks", id)).toBe(0);
      const deleted = await ctx.db
        .selectFrom("job_events")
        .select("data")
        .where("job_id", "=", id)
        .where("type", "=", "deleted")
        .execute();
      expect(deleted).toHaveLength(1);
      expect(String(deleted[0]!.data.reason)).toContain("retention");
    }
    expect((await jobRow(fresh)).status).toBe("completed");
    expect((await t.call("GET", `/v1/jobs/${fresh}/chunks`)).status).toBe(200);
  });
});

type Chunks = { chunks: { seq: number; text: string; embedding?: { vector: number[] } | null }[] };
const readChunks = async (id: string) =>
  (await (await t.call("GET", `/v1/jobs/${id}/chunks?limit=1000&embeddings=true`)).json()) as Chunks;

describe("POST /v1/jobs/{id}/reprocess", () => {
  it.each(["parse", "chunk", "embed"] as const)(
    "from %s: the old outputs stay readable until the new ones commit, then are replaced at once",
    async (from) => {
      const id = await uploadFile(t, `re-${from}.txt`, "text/plain", `${TEXT}reprocess ${from}`);
      await runToCompletion([id]);
      const old = await readChunks(id);
      expect(old.chunks.length).toBeGreaterThan(1);
      const settings = from === "embed" ? undefined : { chunkSize: 300, chunkOverlap: 30 };
      const res = await t.call("POST", `/v1/jobs/${id}/reprocess`, {
        from,
        ...(settings ? { settings } : {}),
      });
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ id, status: "queued", stage: from });
      // Run every stage but the last: the new generation is written but not yet published.
      if (from !== "embed") {
        await (async () => {
          const { worker, deps } = await startTestWorker(ctx, { stages: ["parse", "chunk"] });
          try {
            await waitForJobs(
              ctx.db,
              ctx.databaseUrl,
              [id],
              (j) => j.status === "queued" && j.stage === "embed",
            );
          } finally {
            await worker.stop();
            await deps.parser.close();
          }
        })();
        const row = await jobRow(id);
        expect(row.generation).toBe(1);
        expect(row.output_generation).toBe(0);
        const newChunks = await ctx.db
          .selectFrom("chunks")
          .select("text")
          .where("job_id", "=", id)
          .where("generation", "=", 1)
          .execute();
        expect(newChunks.length).toBeGreaterThan(old.chunks.length);
      }
      // A reader mid-reprocess sees the old, complete set (embeddings included).
      expect(await readChunks(id)).toEqual(old);
      expect((await t.call("GET", `/v1/jobs/${id}/document`)).status).toBe(200);

      const [done] = await runToCompletion([id]);
      expect(done).toMatchObject({ status: "completed", generation: 1, output_generation: 1 });
      const fresh = await readChunks(id);
      expect(fresh.chunks.every((c) => c.embedding?.vector.length)).toBe(true);
      if (settings) {
        expect(done!.settings).toEqual(settings);
        expect(fresh.chunks.length).toBeGreaterThan(old.chunks.length);
        expect(fresh.chunks.every((c) => c.text.length <= 300)).toBe(true);
      } else {
        expect(fresh.chunks.map((c) => c.text)).toEqual(old.chunks.map((c) => c.text));
      }
      // The replaced generation is gone from the database (and its text object from storage).
      const gens = await ctx.db
        .selectFrom("chunks")
        .select("generation")
        .distinct()
        .where("job_id", "=", id)
        .execute();
      expect(gens.map((g) => g.generation)).toEqual([1]);
      const docs = await ctx.db
        .selectFrom("documents")
        .select(["generation", "text_key"])
        .where("job_id", "=", id)
        .execute();
      expect(docs.map((d) => d.generation)).toEqual([1]);
      if (from === "parse") {
        expect(docs[0]!.text_key).toBe(`derived/default/${id}/text.g1.1.txt`);
        expect(await exists(`derived/default/${id}/text.1.txt`)).toBe(false);
      }
      const events = await ctx.db.selectFrom("job_events").select("type").where("job_id", "=", id).execute();
      expect(events.map((e) => e.type)).toContain("reprocess_requested");
      // Deleting a reprocessed job removes every generation's text.
      expect((await t.call("DELETE", `/v1/jobs/${id}`)).status).toBe(204);
      expect(await exists(docs[0]!.text_key)).toBe(false);
    },
  );

  it("readers polling across the flip see the old set or the new one, never a mix", async () => {
    const id = await uploadFile(t, "flip.txt", "text/plain", `${TEXT}flip`);
    await runToCompletion([id]);
    const old = await readChunks(id);
    await t.call("POST", `/v1/jobs/${id}/reprocess`, {
      from: "chunk",
      settings: { chunkSize: 250, chunkOverlap: 0 },
    });
    const reads: Chunks[] = [];
    let done = false;
    const reader = (async () => {
      while (!done) reads.push(await readChunks(id));
    })();
    await runToCompletion([id]);
    done = true;
    await reader;
    const fresh = await readChunks(id);
    expect(fresh).not.toEqual(old);
    expect(reads.length).toBeGreaterThan(2);
    for (const r of reads) expect([JSON.stringify(old), JSON.stringify(fresh)]).toContain(JSON.stringify(r));
  });

  it("a failed job runs again from a stage whose inputs are whole, and only from there", async () => {
    const id = await uploadFile(t, "failed.txt", "text/plain", `${TEXT}failed`);
    await runToCompletion([id]);
    // As if chunking had failed after some batches: the chunk set is not whole.
    await ctx.db
      .updateTable("jobs")
      .set({ status: "failed", stage: "chunk", error_code: "stage_error", outputs_published: false })
      .where("id", "=", id)
      .execute();
    const refused = await t.call("POST", `/v1/jobs/${id}/reprocess`, { from: "embed" });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe("outputs_missing");
    expect((await jobRow(id)).generation).toBe(0);
    expect((await t.call("POST", `/v1/jobs/${id}/reprocess`, { from: "chunk" })).status).toBe(202);
    const [done] = await runToCompletion([id]);
    expect(done).toMatchObject({ status: "completed", error_code: null, output_generation: 1 });
    expect((await readChunks(id)).chunks.length).toBeGreaterThan(1);
  });

  it("settings change the pipeline key; unfinished jobs and bad settings are refused", async () => {
    const id = await uploadFile(t, "keys.txt", "text/plain", `${TEXT}keys`);
    expect((await t.call("POST", `/v1/jobs/${id}/reprocess`, { from: "chunk" })).status).toBe(409);
    await runToCompletion([id]);
    const before = await jobRow(id);
    const bad = await t.call("POST", `/v1/jobs/${id}/reprocess`, {
      from: "chunk",
      settings: { chunkSize: 100, chunkOverlap: 100 },
    });
    expect(bad.status).toBe(400);
    const model = await t.call("POST", `/v1/jobs/${id}/reprocess`, {
      from: "embed",
      settings: { embedderModel: "text-embedding-3-large" },
    });
    expect(model.status).toBe(422);
    expect(((await model.json()) as { code: string }).code).toBe("unsupported_setting");
    const ok = await t.call("POST", `/v1/jobs/${id}/reprocess`, {
      from: "chunk",
      settings: { chunkSize: 500 },
    });
    expect(ok.status).toBe(202);
    const after = await jobRow(id);
    expect(after.pipeline_key).not.toBe(before.pipeline_key);
    expect(after.settings).toEqual({ chunkSize: 500 });
    expect((await t.call("POST", `/v1/jobs/${id}/reprocess`, { from: "chunk" })).status).toBe(409);
  });
});

describe("PATCH /v1/jobs/{id}", () => {
  it("updates metadata without reprocessing, within the same bounds as uploads", async () => {
    const id = await uploadFile(t, "meta.txt", "text/plain", `${TEXT}meta`);
    const before = await jobRow(id);
    const res = await t.call("PATCH", `/v1/jobs/${id}`, {
      metadata: { project: "apollo", tags: ["a", "b"] },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id,
      metadata: { project: "apollo", tags: ["a", "b"] },
      status: before.status,
    });
    const after = await jobRow(id);
    expect(after).toMatchObject({ status: before.status, stage: before.stage, generation: 0 });
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 10; i++) deep = { nested: deep };
    expect((await t.call("PATCH", `/v1/jobs/${id}`, { metadata: deep })).status).toBe(400);
    expect((await t.call("PATCH", `/v1/jobs/${id}`, { metadata: { big: "x".repeat(20_000) } })).status).toBe(
      400,
    );
    expect((await t.call("PATCH", `/v1/jobs/${id}`, { metadata: {}, status: "completed" })).status).toBe(400);
    expect((await t.call("PATCH", `/v1/jobs/${crypto.randomUUID()}`, { metadata: {} })).status).toBe(404);
  });
});
