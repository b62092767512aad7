import { readFile } from "node:fs/promises";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companionRoutes } from "../src/api/routes/companion.js";
import { silentLogger } from "../src/observability/logger.js";
import { reconcileOnce } from "../src/uploads/reconciler.js";
import { webRoutes } from "../src/web/routes.js";
import type { Worker } from "../src/worker/runtime.js";
import { createTestApp, sha256Hex } from "./helpers/app.js";
import { launchChromium } from "./helpers/client-browser.js";
import { listenOnFreePort, type RunningServer } from "./helpers/client-server.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { startTestWorker } from "./helpers/worker.js";

const MiB = 1024 * 1024;
const fixtures = new URL("./fixtures/web/", import.meta.url);
let ctx: TestContext;
let server: RunningServer;
let worker: Worker;
let browser: Browser;
beforeAll(async () => {
  ctx = await createTestContext({
    INTAKE_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
    INTAKE_PART_SIZE_BYTES: String(5 * MiB),
    INTAKE_RECONCILE_AFTER_SECONDS: "0",
  });
  const { app, deps } = await createTestApp(ctx);
  app.route("/", webRoutes());
  app.route("/s3", companionRoutes(deps));
  // Stock Uppy, bundled now (esbuild ships with tsx); served only by this test.
  const bundle = await build({
    entryPoints: [new URL("uppy-entry.js", fixtures).pathname],
    bundle: true,
    format: "esm",
    write: false,
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const uppyJs = bundle.outputFiles[0]!.text;
  const uppyHtml = await readFile(new URL("uppy.html", fixtures), "utf8");
  app.get("/uppy-test", (c) => c.html(uppyHtml));
  app.get("/uppy-test.js", (c) => c.body(uppyJs, 200, { "content-type": "text/javascript" }));
  server = await listenOnFreePort(app);
  ({ worker } = await startTestWorker(ctx));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await server?.close();
  await ctx?.close();
});

async function openPage(): Promise<Page> {
  const page = await browser.newPage();
  page.on("pageerror", (err) => {
    throw err;
  });
  await page.goto(server.url);
  return page;
}

describe("upload page", () => {
  it("uploads a picked file and shows it completed, with full bars", async () => {
    const page = await openPage();
    await page.fill("#api-key", API_KEY);
    const body = Buffer.from("A document uploaded through the page. ".repeat(300));
    await page.setInputFiles("#files", { name: "page.txt", mimeType: "text/plain", buffer: body });
    const card = page.locator(".file", { hasText: "page.txt" });
    await card.locator(".status", { hasText: "completed" }).waitFor({ timeout: 30_000 });
    expect(await card.getAttribute("data-status")).toBe("completed");
    expect(await card.locator("progress.bytes").evaluate((p: HTMLProgressElement) => p.value)).toBe(
      body.length,
    );
    const stages = await card
      .locator("progress.stage")
      .evaluateAll((ps) => ps.map((p) => (p as HTMLProgressElement).value));
    expect(stages).toEqual([1, 1, 1]);
    expect(await page.evaluate(() => localStorage.getItem("intake.apiKey"))).toBe(API_KEY);
    await page.close();
  });

  it("says in words when the key is wrong or the file is broken", async () => {
    const page = await openPage();
    await page.fill("#api-key", "not-a-valid-key-0000");
    await page.setInputFiles("#files", {
      name: "a.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("hello"),
    });
    await expect
      .poll(() => page.locator(".file .error").textContent())
      .toContain("The API key was not accepted");

    await page.fill("#api-key", API_KEY);
    await page.setInputFiles("#files", {
      name: "x.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("%PDF-1.7 garbage"),
    });
    const card = page.locator(".file", { hasText: "x.pdf" });
    await card.locator(".status", { hasText: "failed" }).waitFor({ timeout: 30_000 });
    // The status follows the job's `failed` event; the message comes after, once the client has
    // read the job's error.
    await expect.poll(() => card.locator(".error").textContent()).toContain("The file looks damaged");
    await page.close();
  });

  it("does not serve the SDK's Node-only modules", async () => {
    expect((await fetch(`${server.url}/assets/client/node.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/client/index.js`)).status).toBe(200);
  });
});

describe("stock Uppy through the Companion routes", () => {
  it("refuses requests without a token", async () => {
    const res = await fetch(`${server.url}/s3/multipart`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ filename: "a.txt", type: "text/plain", metadata: { size: 6 * MiB } }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "unauthorized", error: expect.any(String) });
  });

  it("uploads a multipart file with @uppy/aws-s3 and the job completes", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/uppy-test`);
    await page.waitForFunction(() => (window as any).uppyReady === true);
    const minted = await page.evaluate(async (key) => {
      const res = await fetch("/s3/token", { method: "POST", headers: { authorization: `Bearer ${key}` } });
      return res.status;
    }, API_KEY);
    expect(minted).toBe(200);
    const size = 6 * MiB + 4321;
    const result = await page.evaluate((n) => (window as any).uploadWithUppy(n), size);
    expect(result.failed).toEqual([]);
    expect(result.parts).toEqual([1, 2]);
    const key: string = result.successful[0].key;
    const job = await ctx.db
      .selectFrom("jobs")
      .selectAll()
      .where("object_key", "=", key)
      .executeTakeFirstOrThrow();
    expect(job).toMatchObject({ filename: "uppy notes.txt", upload_method: "multipart", size: String(size) });
    const [done] = await waitForJobs(ctx.db, ctx.databaseUrl, [job.id]);
    expect(done!.status).toBe("completed");
    const obj = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.s3.bucket, Key: key }));
    const line = "Uppy sent this line through intake's Companion routes.\n";
    const text = line.repeat(Math.ceil(size / line.length)).slice(0, size);
    expect(sha256Hex(new Uint8Array(await obj.Body!.transformToByteArray()))).toBe(sha256Hex(text));
    await page.close();
  });

  it("uploads a small file with a form POST from /s3/params; the reconciler completes it", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/uppy-test`);
    await page.waitForFunction(() => (window as any).uppyReady === true);
    await page.evaluate(async (key) => {
      await fetch("/s3/token", { method: "POST", headers: { authorization: `Bearer ${key}` } });
    }, API_KEY);
    const result = await page.evaluate(() => (window as any).uploadWithUppy(3000, false));
    expect(result.failed).toEqual([]);
    const key: string = result.successful[0].key;
    const job = await ctx.db
      .selectFrom("jobs")
      .selectAll()
      .where("object_key", "=", key)
      .executeTakeFirstOrThrow();
    expect(job).toMatchObject({ upload_method: "POST", status: "awaiting_upload" });
    // No webhook is configured for the test bucket: the reconciler is the completion path here.
    const report = await reconcileOnce({
      config: ctx.config,
      db: ctx.db,
      store: ctx.store,
      logger: silentLogger,
    });
    expect(report.completed).toBeGreaterThanOrEqual(1);
    const [done] = await waitForJobs(ctx.db, ctx.databaseUrl, [job.id]);
    expect(done!.status).toBe("completed");
    await page.close();
  });
});
