import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashEmbedding } from "../src/pipeline/embed/hash.js";
import { buildDocx } from "../src/pipeline/testing/build-docx.js";
import { buildPdf } from "../src/pipeline/testing/build-pdf.js";
import { sharedCorpusDir } from "../src/pipeline/testing/shared-corpus.js";
import type { Worker } from "../src/worker/runtime.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

let ctx: TestContext;
let t: TestApp;
let worker: Worker;
beforeAll(async () => {
  ctx = await createTestContext({
    INTAKE_CHUNK_SIZE: "200",
    INTAKE_CHUNK_OVERLAP: "20",
    INTAKE_RETRY_BASE_MS: "10",
  });
  t = await createTestApp(ctx);
  ({ worker } = await startTestWorker(ctx));
});
afterAll(async () => {
  await worker?.stop();
  await ctx.close();
});

/** The embed stage's progress events, in order. */
const embedProgress = (events: { type: string; data: Record<string, unknown> }[]) =>
  events
    .filter((e) => e.type === "progress" && e.data.stage === "embed")
    .map((e) => ({ chunksEmbedded: e.data.chunksEmbedded, chunksTotal: e.data.chunksTotal }));

const paragraph = "Intake turns uploads into chunks. Each chunk keeps its offsets and page. ".repeat(8);

describe("every file type end to end", () => {
  it.each([
    ["notes.md", "text/markdown", `# Title\n\n${paragraph}\n\n## Part two\n\n${paragraph}`, "markdown"],
    ["plain.txt", "text/plain", `${paragraph}\n${paragraph}`, "text"],
    ["app.log", "text/plain", "2026-01-01 INFO started\n".repeat(50), "log"],
    ["rows.csv", "text/csv", "id,name\n1,alpha\n2,beta\n".repeat(40), "csv"],
    [
      "data.json",
      "application/json",
      JSON.stringify({ items: Array.from({ length: 60 }, (_, i) => ({ i, paragraph: "x" })) }),
      "json",
    ],
    [
      "page.html",
      "text/html",
      `<html><body><h1>Head</h1><p>${paragraph}</p><script>evil()</script></body></html>`,
      "html",
    ],
  ])("%s → completed with chunks and embeddings", async (filename, type, body, detected) => {
    const id = await uploadFile(t, filename, type, body);
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
    expect(job!.status).toBe("completed");
    const doc = await ctx.db
      .selectFrom("documents")
      .selectAll()
      .where("job_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(doc.detected_type).toBe(detected);
    const chunks = await ctx.db
      .selectFrom("chunks")
      .select(["seq", "text"])
      .where("job_id", "=", id)
      .orderBy("seq")
      .execute();
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    if (detected === "html") expect(chunks.map((c) => c.text).join("")).not.toContain("evil()");
    const embeddings = await ctx.db
      .selectFrom("embeddings as e")
      .innerJoin("chunks as c", "c.id", "e.chunk_id")
      .select(["e.dimensions", "e.vector", "c.text"])
      .where("e.job_id", "=", id)
      .orderBy("c.seq")
      .execute();
    expect(embeddings).toHaveLength(chunks.length);
    expect(embeddings.every((e) => e.dimensions === ctx.config.pipeline.embedDimensions)).toBe(true);
    // Vectors travel in Postgres's binary array format: what is stored is each value as float4
    // (read back as float4's shortest decimal, hence fround on both sides).
    for (const e of embeddings) {
      expect(e.vector.map(Math.fround)).toEqual(hashEmbedding(e.text, e.dimensions).map(Math.fround));
    }
    const events = await ctx.db
      .selectFrom("job_events")
      .select(["type", "data"])
      .where("job_id", "=", id)
      .orderBy("id")
      .execute();
    const trail = events
      .filter((e) => e.type !== "progress")
      .map((e) => (e.data.stage ? `${e.type}:${e.data.stage}` : e.type));
    expect(trail).toEqual([
      "created",
      "uploaded:parse",
      "stage_started:parse",
      "stage_completed:parse",
      "stage_started:chunk",
      "stage_completed:chunk",
      "stage_started:embed",
      "stage_completed:embed",
      "completed",
    ]);
    expect(embedProgress(events)).toEqual([{ chunksEmbedded: chunks.length, chunksTotal: chunks.length }]);
  });

  it("reports embed progress against the job's chunk count over several batches", async () => {
    // About 250 chunks of 200 characters: four batches of 64 vectors.
    const id = await uploadFile(t, "long.txt", "text/plain", paragraph.repeat(80));
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
    expect(job!.status).toBe("completed");
    const { count } = await ctx.db
      .selectFrom("chunks")
      .select((eb) => eb.fn.countAll<string>().as("count"))
      .where("job_id", "=", id)
      .executeTakeFirstOrThrow();
    const chunks = Number(count);
    expect(chunks).toBeGreaterThan(3 * 64);
    const events = await ctx.db
      .selectFrom("job_events")
      .select(["type", "data"])
      .where("job_id", "=", id)
      .orderBy("id")
      .execute();
    const reported = embedProgress(events);
    // The first batch is always reported; later ones at most every 500 ms, and the last one
    // may fall inside that interval.
    expect(reported[0]).toEqual({ chunksEmbedded: 64, chunksTotal: chunks });
    expect(reported.every((p) => p.chunksTotal === chunks && Number(p.chunksEmbedded) <= chunks)).toBe(true);
  });

  it("PDF pages and DOCX headings survive into chunks", async () => {
    const pdf = buildPdf([`First page. ${paragraph}`, `Second page. ${paragraph}`]);
    const docx = buildDocx([{ style: "Heading1", text: "Intro" }, { text: paragraph }]);
    const [pdfId, docxId] = [
      await uploadFile(t, "doc.pdf", "application/pdf", new Uint8Array(pdf)),
      await uploadFile(
        t,
        "doc.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        new Uint8Array(docx),
      ),
    ];
    const jobs = await waitForJobs(ctx.db, ctx.databaseUrl, [pdfId, docxId]);
    expect(jobs.map((j) => j.status)).toEqual(["completed", "completed"]);
    const pdfDoc = await ctx.db
      .selectFrom("documents")
      .selectAll()
      .where("job_id", "=", pdfId)
      .executeTakeFirstOrThrow();
    expect(pdfDoc.page_count).toBe(2);
    expect((pdfDoc.pages as { page: number }[]).map((p) => p.page)).toEqual([1, 2]);
    const first = await ctx.db
      .selectFrom("chunks")
      .select(["page", "text"])
      .where("job_id", "=", pdfId)
      .where("seq", "=", 0)
      .executeTakeFirstOrThrow();
    expect(first.page).toBe(1);
    expect(first.text).toContain("First page.");
    const pageRanges = (await (await t.call("GET", `/v1/jobs/${pdfId}/chunks`)).json()) as {
      chunks: { page: number; pageStart: number; pageEnd: number }[];
    };
    expect(pageRanges.chunks.some((c) => c.pageStart === 1 && c.pageEnd === 2)).toBe(true);
    expect(pageRanges.chunks.every((c) => c.page === c.pageStart && c.pageEnd >= c.pageStart)).toBe(true);
    const doc = await ctx.db
      .selectFrom("documents")
      .selectAll()
      .where("job_id", "=", docxId)
      .executeTakeFirstOrThrow();
    expect((doc.sections as { title: string }[]).map((s) => s.title)).toContain("Intro");
  });

  it.each([
    {
      file: "fake-power-point.ppt",
      type: "application/vnd.ms-powerpoint",
      detected: "ppt",
      sections: ["Adding a Bullet Slide"],
      text: "Here is some text in a text box!",
    },
    {
      file: "tests-example.xls",
      type: "application/vnd.ms-excel",
      detected: "xls",
      sections: ["Example Test", "Format Abbr.", "Readme"],
      text: "| MAT | Match the lower-case greek letter",
    },
  ])("legacy Office file $file of the shared corpus: its sections and text reach the chunks", async (c) => {
    const body = readFileSync(path.join(sharedCorpusDir(), c.file));
    const id = await uploadFile(t, c.file, c.type, new Uint8Array(body));
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
    expect(job!.status).toBe("completed");
    const doc = await ctx.db
      .selectFrom("documents")
      .selectAll()
      .where("job_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(doc.detected_type).toBe(c.detected);
    expect((doc.sections as { title: string }[]).map((s) => s.title)).toEqual(
      expect.arrayContaining(c.sections),
    );
    const chunks = await ctx.db.selectFrom("chunks").select("text").where("job_id", "=", id).execute();
    expect(chunks.map((chunk) => chunk.text).join("\n")).toContain(c.text);
  });

  it("chunks HTML by structure: heading paths, table rows whole, the header repeated (API)", async () => {
    const rows = Array.from({ length: 24 }, (_, i) => `<tr><td>Region ${i}</td><td>${1000 + i}</td></tr>`);
    const html = `<html><body><h1>Report</h1><p>${paragraph}</p><h2>Q3</h2><h3>Revenue</h3>
      <table><tr><th>Region</th><th>Amount</th></tr>${rows.join("")}</table></body></html>`;
    const id = await uploadFile(t, "report.html", "text/html", html);
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
    expect(job!.status).toBe("completed");
    const res = await t.call("GET", `/v1/jobs/${id}/chunks?limit=1000`);
    const { chunks } = (await res.json()) as {
      chunks: { text: string; start: number; headingPath: string[] }[];
    };
    // Rows are never split: every table line of every chunk is a whole row.
    const tableLines = chunks.flatMap((c) => c.text.split("\n").filter((l) => l.startsWith("|")));
    expect(tableLines.every((l) => l.endsWith("|"))).toBe(true);
    // Chunks that start inside the table open with its header and delimiter rows.
    const inTable = chunks.filter((c) => c.text.startsWith("| Region | Amount |"));
    expect(inTable.length).toBeGreaterThan(2);
    for (const c of inTable) {
      expect(c.text).toMatch(/^\| Region \| Amount \|\n\| -+ \| -+ \|\n\| Region \d+ \| \d+ \|/);
      expect(c.headingPath).toEqual(["Report", "Q3", "Revenue"]);
    }
    expect(chunks[0]).toMatchObject({ headingPath: ["Report"], start: 0 });
  });

  it("fails corrupt input with a clear code and goes on with the next job", async () => {
    const bad = await uploadFile(t, "broken.pdf", "application/pdf", "%PDF-1.7\nthis is not really a pdf");
    const binary = await uploadFile(
      t,
      "bin.txt",
      "text/plain",
      new Uint8Array([0, 1, 2, 3, 0, 0, 255, 254, 0, 7, 0, 0]),
    );
    const good = await uploadFile(t, "after.txt", "text/plain", paragraph);
    const jobs = await waitForJobs(ctx.db, ctx.databaseUrl, [bad, binary, good]);
    const byId = new Map(jobs.map((j) => [j.id, j]));
    expect(byId.get(bad)).toMatchObject({
      status: "failed",
      error_code: "corrupt_file",
      error_stage: "parse",
      attempt: 1,
    });
    expect(byId.get(binary)).toMatchObject({ status: "failed", error_code: "unsupported_type" });
    expect(byId.get(good)!.status).toBe("completed");
    const res = await t.call("GET", `/v1/jobs/${bad}`);
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({ code: "corrupt_file", stage: "parse", retryable: false });
  });

  it("reuses the outputs of an identical completed upload", async () => {
    const content = `dedup me ${paragraph}`;
    const first = await uploadFile(t, "one.txt", "text/plain", content);
    await waitForJobs(ctx.db, ctx.databaseUrl, [first]);
    const second = await uploadFile(t, "two.txt", "text/plain", content);
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [second]);
    expect(job).toMatchObject({ status: "completed", reused_from: first });
    const own = await ctx.db.selectFrom("chunks").select("id").where("job_id", "=", second).execute();
    expect(own).toHaveLength(0);
    const res = (await (await t.call("GET", `/v1/jobs/${second}`)).json()) as any;
    expect(res.outputs.chunks).toBeGreaterThan(0);
  });
});
