import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendJobEvent } from "../src/db/sql/append-job-event.js";
import type { Worker } from "../src/worker/runtime.js";
import { createTestApp } from "./helpers/app.js";
import { launchChromium } from "./helpers/client-browser.js";
import { listenOnFreePort, type RunningServer } from "./helpers/client-server.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { startTestWorker } from "./helpers/worker.js";

// A filename is anyone's input: this one runs script if the page ever renders it as HTML.
const HOSTILE = `<img src=x onerror="window.__pwned=1">report.txt`;
const SCREENSHOT = path.join(tmpdir(), `intake-admin-view-${process.pid}.png`);

let ctx: TestContext;
let server: RunningServer;
let worker: Worker;
let browser: Browser;
let page: Page;
let waitingId: string;
beforeAll(async () => {
  ctx = await createTestContext();
  const { app } = await createTestApp(ctx);
  server = await listenOnFreePort(app);
  ({ worker } = await startTestWorker(ctx));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on("pageerror", (err) => {
    throw err;
  });

  // Three jobs through the page itself: one that completes, one that fails, one hostile name.
  await page.goto(server.url);
  await page.fill("#api-key", API_KEY);
  await page.setInputFiles("#files", [
    {
      name: "admin notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("Quarterly admin notes. ".repeat(50)),
    },
    { name: "broken.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.7 garbage") },
    { name: HOSTILE, mimeType: "text/plain", buffer: Buffer.from("hostile name, harmless text") },
  ]);
  // Each upload card settles when its job finished (the page watches it over SSE).
  await page.waitForFunction(
    () => document.querySelectorAll(".file[data-status=completed], .file[data-status=failed]").length === 3,
    undefined,
    { timeout: 60_000 },
  );
  const ids = (await ctx.db.selectFrom("jobs").select("id").execute()).map((r) => r.id);
  expect(ids).toHaveLength(3);
  await waitForJobs(ctx.db, ctx.databaseUrl, ids);

  // A job held back after a release (what a worker does when the dependency its stage needs
  // is down): queued, not before an hour from now, on its second attempt.
  waitingId = randomUUID();
  await ctx.db
    .insertInto("jobs")
    .values({
      id: waitingId,
      tenant_id: "default",
      status: "queued",
      stage: "embed",
      filename: "waiting.txt",
      content_type: "text/plain",
      size: 1,
      attempt: 2,
      object_key: `uploads/default/${waitingId}/waiting.txt`,
      upload_method: "PUT",
      upload_expires_at: new Date(Date.now() + 60_000),
      run_after: sql<Date>`now() + interval '1 hour'`,
    })
    .execute();
  await ctx.db.transaction().execute((trx) =>
    appendJobEvent(trx, {
      jobId: waitingId,
      tenantId: "default",
      type: "released",
      data: { status: "queued", stage: "embed", reason: "embedding provider unavailable (breaker open)" },
    }),
  );
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await server?.close();
  await ctx?.close();
});

const row = (name: string) =>
  page.locator("#jobs tr.job", { has: page.locator("td.name", { hasText: name }) });
const names = () => page.locator("#jobs td.name").allTextContents();

async function filter(fields: { status?: string; stage?: string; errorCode?: string }) {
  await page.selectOption("#job-filters select[name=status]", fields.status ?? "");
  await page.selectOption("#job-filters select[name=stage]", fields.stage ?? "");
  await page.fill("#job-filters input[name=errorCode]", fields.errorCode ?? "");
  await page.click("#job-filters button[type=submit]");
}

describe("admin view", () => {
  it("lists the tenant's jobs from the API after a reload, with why a job waits", async () => {
    await page.reload();
    await expect.poll(names, { timeout: 15_000 }).toHaveLength(4);
    expect(await page.locator("#admin").isVisible()).toBe(true);
    expect((await names()).sort()).toEqual(["admin notes.txt", "broken.pdf", HOSTILE, "waiting.txt"].sort());
    expect(await row("admin notes.txt").locator("td.status").textContent()).toBe("completed");
    expect(await row("broken.pdf").locator("td.why").textContent()).toContain("corrupt_file");

    const why = row("waiting.txt").locator("td.why");
    await expect.poll(() => why.textContent()).toContain("embedding provider unavailable (breaker open)");
    const text = (await why.textContent())!;
    expect(text).toMatch(/waits until \d{4}-\d\d-\d\dT/);
    expect(text).toContain("attempt 2 of");
    expect(await row("waiting.txt").locator("button.cancel").count()).toBe(1);
  });

  it("renders a hostile filename as text", async () => {
    expect(await row("report.txt").locator("td.name").textContent()).toBe(HOSTILE);
    expect(await page.locator("#jobs img").count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it("filters by status, stage and error code", async () => {
    await filter({ status: "failed" });
    await expect.poll(names).toEqual(["broken.pdf"]);
    await filter({ errorCode: "corrupt_file" });
    await expect.poll(names).toEqual(["broken.pdf"]);
    await filter({ stage: "embed", status: "queued" });
    await expect.poll(names).toEqual(["waiting.txt"]);
    await filter({ errorCode: "no_such_code" });
    await expect.poll(() => page.locator("#jobs-message").textContent()).toBe("No jobs match.");
    expect(await names()).toEqual([]);
    await filter({});
    await expect.poll(names).toHaveLength(4);
  });

  it("shows a completed job's chunks and document", async () => {
    const done = row("admin notes.txt");
    expect(await done.locator("button.retry").count()).toBe(0);
    await done.locator("button.chunks").click();
    await expect.poll(() => page.locator("#job-detail").textContent()).toContain("#0 Quarterly admin notes.");
    await done.locator("button.document").click();
    await expect.poll(() => page.locator("#job-detail").getAttribute("data-view")).toBe("document");
    await expect.poll(() => page.locator("#job-detail").textContent()).toMatch(/^Quarterly admin notes\./);
  });

  it("retries a failed job with its button, and the screenshot shows the list", async () => {
    const failedId = (
      await ctx.db
        .selectFrom("jobs")
        .select("id")
        .where("filename", "=", "broken.pdf")
        .executeTakeFirstOrThrow()
    ).id;
    await row("broken.pdf").locator("button.retry").click();
    await expect
      .poll(
        async () =>
          (
            await ctx.db
              .selectFrom("job_events")
              .select("type")
              .where("job_id", "=", failedId)
              .where("type", "=", "retry_requested")
              .execute()
          ).length,
        { timeout: 10_000 },
      )
      .toBe(1);
    // It fails again (the file is still broken) and the list shows its state from the API.
    await waitForJobs(ctx.db, ctx.databaseUrl, [failedId], (j) => j.status === "failed" && j.attempt >= 1);
    await page.click("#jobs-refresh");
    await expect.poll(() => row("broken.pdf").locator("td.status").textContent()).toBe("failed");

    await filter({});
    await expect.poll(names).toHaveLength(4);
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect((await readFile(SCREENSHOT)).length).toBeGreaterThan(10_000);
    // What the screenshot shows, checked on the DOM it was taken from.
    expect(await page.locator("#admin h2").textContent()).toBe("Jobs");
    expect(await page.locator("#jobs thead th").allTextContents()).toEqual([
      "File",
      "Status",
      "Stage",
      "Created",
      "Why waiting / error",
      "",
    ]);
    expect(await row("report.txt").locator("td.name").textContent()).toBe(HOSTILE);
    expect(await row("waiting.txt").locator("td.why").textContent()).toContain("breaker open");
    expect(await page.locator("#jobs tr.job[data-status=completed] button.chunks").count()).toBe(2);
  });

  it("deletes a job with its button after a confirmation; the others stay", async () => {
    const id = (
      await ctx.db
        .selectFrom("jobs")
        .select("id")
        .where("filename", "=", "broken.pdf")
        .executeTakeFirstOrThrow()
    ).id;
    const before = await names();
    const questions: string[] = [];
    page.once("dialog", (dialog) => {
      questions.push(dialog.message());
      void dialog.accept();
    });
    await row("broken.pdf").locator("button.delete").click();
    await expect.poll(names).toHaveLength(before.length - 1);
    expect(questions[0]).toContain("broken.pdf");
    expect(await names()).not.toContain("broken.pdf");
    const gone = await fetch(`${server.url}/v1/jobs/${id}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(gone.status).toBe(404);
  });
});
