import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Metrics } from "../src/observability/metrics.js";
import { renderTextBitmap, renderTextPage } from "../src/pipeline/ocr/testing/render-text.js";
import { MIN_WORD_OVERLAP, SENTENCES } from "../src/pipeline/ocr/testing/sentences.js";
import { wordOverlap } from "../src/pipeline/ocr/testing/word-overlap.js";
import { buildImagePdf } from "../src/pipeline/testing/build-image-pdf.js";
import type { Worker } from "../src/worker/runtime.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

interface Stack {
  ctx: TestContext;
  t: TestApp;
  worker: Worker;
  metrics: Metrics;
}
const stacks: Stack[] = [];
async function stack(env: Record<string, string>): Promise<Stack> {
  const ctx = await createTestContext({ INTAKE_RETRY_BASE_MS: "10", ...env });
  const t = await createTestApp(ctx);
  const { worker, metrics } = await startTestWorker(ctx, { stages: ["parse", "chunk", "embed"] });
  const s = { ctx, t, worker, metrics };
  stacks.push(s);
  return s;
}
let on: Stack;
let off: Stack;
beforeAll(async () => {
  on = await stack({});
  off = await stack({ INTAKE_OCR: "off" });
});
afterAll(async () => {
  for (const s of stacks) {
    await s.worker.stop();
    await s.ctx.close();
  }
});

const scanned = async () =>
  buildImagePdf([
    { textLines: ["Cover page with its own text layer."] },
    { gray: await renderTextBitmap([SENTENCES[0], SENTENCES[2]]) },
  ]) as Uint8Array<ArrayBuffer>;

async function run(s: Stack, filename: string, type: string, body: Uint8Array<ArrayBuffer>) {
  const id = await uploadFile(s.t, filename, type, body);
  const [job] = await waitForJobs(s.ctx.db, s.ctx.databaseUrl, [id], undefined, 90_000);
  expect(job!.status).toBe("completed");
  const res = await s.t.call("GET", `/v1/jobs/${id}`);
  const dto = (await res.json()) as { warnings: string[] };
  const doc = await (await s.t.call("GET", `/v1/jobs/${id}/document`)).text();
  const events = await s.ctx.db
    .selectFrom("job_events")
    .select(["type", "data"])
    .where("job_id", "=", id)
    .orderBy("id")
    .execute();
  return { id, dto, doc, events };
}

describe("OCR end to end", () => {
  it("a scanned PDF page is read by OCR; the text page is kept verbatim; progress counts OCR pages", async () => {
    const { dto, doc, events } = await run(on, "contract.pdf", "application/pdf", await scanned());
    expect(dto.warnings).toEqual([]);
    expect(doc).toContain("Cover page with its own text layer.");
    expect(wordOverlap(`${SENTENCES[0]} ${SENTENCES[2]}`, doc)).toBeGreaterThanOrEqual(MIN_WORD_OVERLAP);
    const ocrProgress = events.filter(
      (e) => e.type === "progress" && (e.data as { pagesOcred?: number }).pagesOcred,
    );
    expect(ocrProgress.map((e) => e.data)).toContainEqual(
      expect.objectContaining({ pagesOcred: 1, pagesTotal: 2 }),
    );
  }, 120_000);

  it("a photographed receipt (PNG) is a document of one page", async () => {
    const png = (await renderTextPage([SENTENCES[3]], "png")) as Uint8Array<ArrayBuffer>;
    const { doc } = await run(on, "receipt.png", "image/png", png);
    expect(wordOverlap(SENTENCES[3], doc)).toBeGreaterThanOrEqual(MIN_WORD_OVERLAP);
  }, 120_000);

  it("with INTAKE_OCR=off a scan completes with warnings: [no_text_layer], in its events and in /metrics", async () => {
    const { dto, doc, events } = await run(off, "contract.pdf", "application/pdf", await scanned());
    expect(dto.warnings).toEqual(["no_text_layer"]);
    expect(doc.trim()).toBe("Cover page with its own text layer.");
    const parsed = events.find(
      (e) => e.type === "stage_completed" && (e.data as { stage: string }).stage === "parse",
    );
    expect(parsed?.data).toMatchObject({ warnings: ["no_text_layer"] });
    const exposition = await off.metrics.registry.metrics();
    expect(exposition).toMatch(/intake_document_warnings_total\{warning="no_text_layer",type="pdf"\} 1/);
  }, 120_000);

  it("/readyz reports whether OCR is available without deciding readiness by it", async () => {
    const ready = (await (await on.t.call("GET", "/readyz", undefined, { key: null })).json()) as {
      status: string;
      ocr: { ok: boolean; enabled: boolean; languages: string[] };
    };
    expect(ready.status).toBe("ready");
    expect(ready.ocr).toMatchObject({ ok: true, enabled: true });
    expect(ready.ocr.languages).toContain("eng");
    const offReady = (await (await off.t.call("GET", "/readyz", undefined, { key: null })).json()) as {
      ocr: unknown;
    };
    expect(offReady.ocr).toEqual({ ok: false, enabled: false, reason: "INTAKE_OCR=off" });
  });
});
