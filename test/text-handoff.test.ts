import { afterEach, describe, expect, it } from "vitest";
import type { Metrics } from "../src/observability/metrics.js";
import type { Worker } from "../src/worker/runtime.js";
import { createTestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

// A worker that parses a small document and then runs its chunk stage hands the parsed text
// over in memory instead of reading back what it just wrote to storage. Chunks must come out
// the same either way: the second case splits parse and chunk between two workers, so the
// text can only come from storage, and both runs' chunks are compared.

const body = `# Handoff\n\n${"Parsed text goes from parse to chunk without a storage read. ".repeat(120)}\n\n## Übergabe — ok ✓\n\nUnicode stays intact.`;
let ctx: TestContext | undefined;
const workers: Worker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop();
  await ctx?.close();
  ctx = undefined;
});

async function reads(metrics: Metrics) {
  const { values } = await metrics.derivedTextReads.get();
  const of = (from: string) => values.find((v) => v.labels.from === from)?.value ?? 0;
  return { memory: of("memory"), storage: of("storage") };
}

async function processOnce(split: boolean) {
  ctx = await createTestContext({ INTAKE_CHUNK_SIZE: "300" });
  const t = await createTestApp(ctx);
  const started = split
    ? [
        await startTestWorker(ctx, { stages: ["parse"] }),
        await startTestWorker(ctx, { stages: ["chunk", "embed"] }),
      ]
    : [await startTestWorker(ctx, { stages: ["parse", "chunk", "embed"] })];
  workers.push(...started.map((s) => s.worker));
  const id = await uploadFile(t, "handoff.md", "text/markdown", body);
  const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
  expect(job?.status).toBe("completed");
  const chunks = await ctx.db
    .selectFrom("chunks")
    .select(["seq", "text", "start_offset", "end_offset", "heading_path", "token_count"])
    .where("job_id", "=", id)
    .orderBy("seq")
    .execute();
  const total = { memory: 0, storage: 0 };
  for (const s of started) {
    const r = await reads(s.metrics);
    total.memory += r.memory;
    total.storage += r.storage;
  }
  return { chunks, reads: total };
}

describe("derived text handoff from parse to chunk", () => {
  it("reads the text from memory on the worker that parsed it, and chunks it as from storage", async () => {
    const together = await processOnce(false);
    expect(together.reads).toEqual({ memory: 1, storage: 0 });
    await ctx?.close();
    ctx = undefined;
    for (const w of workers.splice(0)) await w.stop();

    const split = await processOnce(true);
    expect(split.reads).toEqual({ memory: 0, storage: 1 });
    expect(together.chunks.length).toBeGreaterThan(5);
    expect(together.chunks).toEqual(split.chunks);
  });
});
