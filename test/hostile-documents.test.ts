import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUnsafeText } from "../src/db/safe-values.js";
import type { JobRow } from "../src/db/schema.js";
import { buildEml, buildPptx, buildXlsx, pptxShape } from "../src/pipeline/testing/build-office.js";
import { buildPdf } from "../src/pipeline/testing/build-pdf.js";
import {
  deepJson,
  hugeContentStreamPdf,
  hugeCsvField,
  lyingDocx,
  nestedDocx,
  nestedHtml,
  spacedHeadings,
  unstorableDocx,
  unstorableHtml,
  unstorableMarkdown,
  unstorablePdf,
} from "../src/pipeline/testing/hostile.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { listenOnFreePort, type RunningServer } from "./helpers/client-server.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { type LatencyProbe, percentile, startLatencyProbe } from "./helpers/latency-probe.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

// The API and the worker share this process, as in `intake start`: while hostile documents are
// parsed, /healthz is probed from another process, and a normal document goes alongside each.

interface Case {
  name: string;
  filename: string;
  contentType: string;
  body: () => Uint8Array<ArrayBuffer> | string;
  expect: { status: "completed" } | { status: "failed"; code: string };
}

const md = "text/markdown";
const cases: Case[] = [
  {
    name: "300,000 nested <b> (0.9 MB)",
    filename: "b.html",
    contentType: "text/html",
    body: () => nestedHtml(300_000),
    expect: { status: "completed" },
  },
  {
    name: "DOCX XML nested 5,000 deep",
    filename: "n.docx",
    contentType: "application/octet-stream",
    body: () => nestedDocx(5000) as Uint8Array<ArrayBuffer>,
    expect: { status: "failed", code: "too_complex" },
  },
  {
    name: "5,000 pathological Markdown heading lines",
    filename: "h.md",
    contentType: md,
    body: () => spacedHeadings(5000),
    expect: { status: "completed" },
  },
  {
    name: "JSON nested 1,000,000 deep",
    filename: "d.json",
    contentType: "application/json",
    body: () => deepJson(1_000_000),
    expect: { status: "completed" },
  },
  {
    name: "CSV with a 16 MB field",
    filename: "f.csv",
    contentType: "text/csv",
    body: () => hugeCsvField(16 * 1024 * 1024),
    expect: { status: "completed" },
  },
  {
    name: "DOCX with lying sizes",
    filename: "l.docx",
    contentType: "application/octet-stream",
    body: () => lyingDocx(4 * 1024 * 1024) as Uint8Array<ArrayBuffer>,
    expect: { status: "completed" },
  },
  {
    name: "PDF with a 300,000-item content stream",
    filename: "c.pdf",
    contentType: "application/pdf",
    body: () => hugeContentStreamPdf(300_000) as Uint8Array<ArrayBuffer>,
    expect: { status: "failed", code: "too_complex" },
  },
  {
    name: "NUL in a Markdown heading",
    filename: "u.md",
    contentType: md,
    body: unstorableMarkdown,
    expect: { status: "completed" },
  },
  {
    name: "NUL and surrogates in an HTML title and heading",
    filename: "u.html",
    contentType: "text/html",
    body: unstorableHtml,
    expect: { status: "completed" },
  },
  {
    name: "lone surrogate and NUL in a DOCX title and heading",
    filename: "u.docx",
    contentType: "application/octet-stream",
    body: () => unstorableDocx() as Uint8Array<ArrayBuffer>,
    expect: { status: "completed" },
  },
  {
    name: "lone surrogate and NUL in PDF metadata",
    filename: "u.pdf",
    contentType: "application/pdf",
    body: () => unstorablePdf() as Uint8Array<ArrayBuffer>,
    expect: { status: "completed" },
  },
  // The formats added with issue 12, and images for OCR: the same kinds of hostility.
  {
    name: "RTF nested 200,000 groups deep",
    filename: "deep.rtf",
    contentType: "application/rtf",
    body: () => `{\\rtf1 ${"{".repeat(200_000)}x${"}".repeat(200_000)}}`,
    expect: { status: "failed", code: "too_complex" },
  },
  {
    name: "PPTX with group shapes nested 5,000 deep",
    filename: "deep.pptx",
    contentType: "application/octet-stream",
    body: () =>
      buildPptx([
        { shapes: `${"<p:grpSp>".repeat(5000)}${pptxShape("deep")}${"</p:grpSp>".repeat(5000)}` },
      ]) as Uint8Array<ArrayBuffer>,
    expect: { status: "failed", code: "too_complex" },
  },
  {
    name: "XLSX with one 100,000-cell row (one huge line)",
    filename: "wide.xlsx",
    contentType: "application/octet-stream",
    body: () =>
      buildXlsx([
        { name: "Wide", rows: [Array.from({ length: 100_000 }, (_, i) => `c${i}`)] },
      ]) as Uint8Array<ArrayBuffer>,
    expect: { status: "completed" },
  },
  {
    // Raw NULs make the file binary (refused as such); an encoded-word decodes to one.
    name: "e-mail whose encoded subject decodes to a NUL and a lone surrogate",
    filename: "nul.eml",
    contentType: "message/rfc822",
    body: () => buildEml({ From: "a@example.com", Subject: "=?utf-8?Q?sub=00ject_=ED=A0=80?=" }, "body text"),
    expect: { status: "completed" },
  },
  {
    name: "PNG whose header claims 100,000 x 100,000 pixels (lying size)",
    filename: "bomb.png",
    contentType: "image/png",
    body: () => pngClaiming(100_000, 100_000),
    expect: { status: "failed", code: "too_complex" },
  },
];

/** A PNG signature and IHDR chunk claiming `width` x `height`, and nothing else. */
function pngClaiming(width: number, height: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(8 + 25);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, 13);
  bytes.set([0x49, 0x48, 0x44, 0x52], 12);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 0, 0, 0, 0], 24);
  return bytes;
}

async function eventsOf(ctx: TestContext, jobId: string) {
  return ctx.db.selectFrom("job_events").selectAll().where("job_id", "=", jobId).orderBy("id").execute();
}

type Body = Uint8Array<ArrayBuffer> | string;

async function runAlongsideNormal(t: TestApp, c: Pick<Case, "filename" | "contentType">, body: Body) {
  const hostile = await uploadFile(t, c.filename, c.contentType, body, { sha256: false });
  const normal = await uploadFile(
    t,
    "normal.md",
    md,
    `# Normal\n\nA normal document beside ${c.filename}.\n`,
  );
  return { hostile, normal };
}

describe("hostile documents in one process with the API", () => {
  let ctx: TestContext;
  let t: TestApp;
  let server: RunningServer;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let probe: LatencyProbe;
  const started = new Map<string, { hostile: string; normal: string }>();

  beforeAll(async () => {
    ctx = await createTestContext();
    t = await createTestApp(ctx);
    server = await listenOnFreePort(t.app);
    worker = await startTestWorker(ctx, { concurrency: 4 });
    // Built before probing: making them is the test's work, on this thread, not intake's.
    const bodies = cases.map((c) => c.body());
    probe = startLatencyProbe(`${server.url}/healthz`);
    for (const [i, c] of cases.entries()) started.set(c.name, await runAlongsideNormal(t, c, bodies[i]!));
  }, 120_000);

  afterAll(async () => {
    await worker?.worker.stop();
    await server?.close();
    await ctx?.close();
  });

  it.each(cases)("$name: ends as expected, and the normal document beside it completes", async (c) => {
    const ids = started.get(c.name)!;
    const [hostile, normal] = await waitForJobs(
      ctx.db,
      ctx.databaseUrl,
      [ids.hostile, ids.normal],
      undefined,
      120_000,
    ).then(
      (rows) => [rows.find((r) => r.id === ids.hostile)!, rows.find((r) => r.id === ids.normal)!] as JobRow[],
    );
    expect(normal!.status).toBe("completed");
    expect({ status: hostile!.status, code: hostile!.error_code ?? undefined }).toEqual(
      c.expect.status === "failed" ? c.expect : { status: "completed", code: undefined },
    );
    if (c.expect.status === "failed") expect(hostile!.error_retryable).toBe(false);
    const events = await eventsOf(ctx, ids.hostile);
    expect(events.filter((e) => e.type === "released")).toHaveLength(0);
    expect(events.filter((e) => e.type === "retry_scheduled")).toHaveLength(0);
    // Whatever the document held, what is stored is storable.
    const doc = await ctx.db
      .selectFrom("documents")
      .selectAll()
      .where("job_id", "=", ids.hostile)
      .executeTakeFirst();
    if (doc) expect(findUnsafeText([doc.metadata, doc.sections])).toBeUndefined();
    // The parse took a bounded time: its stage events are at most the default budget apart.
    const parseStart = events.find((e) => e.type === "stage_started")!.created_at.getTime();
    const parseEnd = events
      .find((e) => e.type === "stage_completed" || e.type === "failed")!
      .created_at.getTime();
    expect(parseEnd - parseStart).toBeLessThan(30_000 + 2000 * 17);
  });

  it("kept /healthz answering throughout (p99 under 100 ms)", async () => {
    await waitForJobs(
      ctx.db,
      ctx.databaseUrl,
      [...started.values()].flatMap((s) => [s.hostile, s.normal]),
      undefined,
      120_000,
    );
    const latencies = await probe.stop();
    expect(latencies.length).toBeGreaterThan(20);
    expect(percentile(latencies, 99)).toBeLessThan(100);
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });

  it("kept the stored titles and headings of unstorable text, with replacement characters", async () => {
    const ids = started.get("NUL and surrogates in an HTML title and heading")!;
    const doc = await ctx.db
      .selectFrom("documents")
      .selectAll()
      .where("job_id", "=", ids.hostile)
      .executeTakeFirstOrThrow();
    expect(doc.metadata).toMatchObject({ title: "Title\uFFFD \uFFFD t" });
    expect((doc.sections as { title: string }[]).map((s) => s.title)).toEqual(["Head\uFFFD \uFFFD"]);
  });
});

describe("a document that parses past its budget", () => {
  let ctx: TestContext;
  let t: TestApp;
  let server: RunningServer;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  beforeAll(async () => {
    ctx = await createTestContext({ INTAKE_PARSE_TIMEOUT_MS: "150", INTAKE_PARSE_TIMEOUT_PER_MIB_MS: "0" });
    t = await createTestApp(ctx);
    server = await listenOnFreePort(t.app);
    worker = await startTestWorker(ctx, { concurrency: 2 });
  });

  afterAll(async () => {
    await worker?.worker.stop();
    await server?.close();
    await ctx?.close();
  });

  it("fails at once with parse_timeout, spends no retries, and the next document completes", async () => {
    const pages = Array.from({ length: 4000 }, (_, i) => `page ${i} ${"words ".repeat(40)}`);
    const pdf = buildPdf(pages) as Uint8Array<ArrayBuffer>;
    const probe = startLatencyProbe(`${server.url}/healthz`);
    const { hostile, normal } = await runAlongsideNormal(
      t,
      { filename: "long.pdf", contentType: "application/pdf" },
      pdf,
    );
    const rows = await waitForJobs(ctx.db, ctx.databaseUrl, [hostile, normal]);
    // A short window (under a second, a handful of probes): bound the worst one.
    const latencies = await probe.stop();
    expect(Math.max(...latencies)).toBeLessThan(500);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(normal)!.status).toBe("completed");
    const job = byId.get(hostile)!;
    expect(job).toMatchObject({
      status: "failed",
      error_code: "parse_timeout",
      error_retryable: false,
      attempt: 1,
    });
    expect(job.error_message).toMatch(/budget of 0\.[12] s/);
    const events = await eventsOf(ctx, hostile);
    expect(events.map((e) => e.type).filter((type) => type !== "progress")).toEqual([
      "created",
      "uploaded",
      "stage_started",
      "failed",
    ]);
  });
});

describe("text Postgres cannot store, at the API", () => {
  let ctx: TestContext;
  let t: TestApp;
  beforeAll(async () => {
    ctx = await createTestContext();
    t = await createTestApp(ctx);
  });
  afterAll(async () => ctx?.close());

  it.each([
    ["metadata value with NUL", { metadata: { a: "\u0000" } }, "metadata.a"],
    ["metadata key with a lone surrogate", { metadata: { "k\uD800": 1 } }, "metadata.k\uFFFD"],
    ["idempotency key with NUL", { idempotencyKey: "key\u0000" }, "idempotencyKey"],
    ["filename with a lone surrogate", { filename: "a\uDC00.txt" }, "filename"],
  ])("%s: 400 naming the field", async (_name, patch, field) => {
    const res = await t.call("POST", "/v1/uploads", {
      filename: "a.txt",
      contentType: "text/plain",
      size: 3,
      ...patch,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_body", field });
    expect(await ctx.db.selectFrom("jobs").select("id").execute()).toHaveLength(0);
  });
});
