import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDocument, getFileUrl } from "../src/client/index.js";
import { buildDocx } from "../src/pipeline/testing/build-docx.js";
import type { Worker } from "../src/worker/runtime.js";
import { createTestApp, OTHER_TENANT_KEY, type TestApp } from "./helpers/app.js";
import { listenOnFreePort, type RunningServer } from "./helpers/client-server.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

let ctx: TestContext;
let t: TestApp;
let worker: Worker;
let server: RunningServer;
beforeAll(async () => {
  ctx = await createTestContext({ INTAKE_RETRY_BASE_MS: "10" });
  t = await createTestApp(ctx);
  ({ worker } = await startTestWorker(ctx));
  server = await listenOnFreePort(t.app);
});
afterAll(async () => {
  await worker?.stop();
  await server?.close();
  await ctx.close();
});

const client = () => ({ url: server.url, apiKey: API_KEY });

async function completed(filename: string, type: string, body: Uint8Array<ArrayBuffer> | string) {
  const id = await uploadFile(t, filename, type, body);
  const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
  expect(job!.status).toBe("completed");
  return id;
}

describe("GET /v1/jobs/{id}/document", () => {
  it("serves a DOCX as Markdown: headings with their level, paragraphs", async () => {
    const docx = buildDocx([
      { text: "Quarterly report", style: "Heading1" },
      { text: "Revenue grew in every region." },
      { text: "Details", style: "Heading2" },
      { text: "Costs fell." },
    ]);
    const id = await completed("report.docx", "application/octet-stream", docx as Uint8Array<ArrayBuffer>);
    const res = await t.call("GET", `/v1/jobs/${id}/document`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(res.headers.get("content-disposition")).toContain('filename="report.md"');
    const text = await res.text();
    expect(text).toMatch(/^# Quarterly report$/m);
    expect(text).toMatch(/^## Details$/m);
    expect(text).toContain("Revenue grew in every region.");
    // The SDK reads the same and names the format.
    expect(await getDocument(client(), id)).toEqual({ text, format: "markdown" });
  });

  it("serves plain text as text/plain, byte for byte", async () => {
    const body = "line one\nline two — ünïcode\n";
    const id = await completed("notes.txt", "text/plain", body);
    const res = await t.call("GET", `/v1/jobs/${id}/document`);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe(body);
  });

  it("is 409 document_not_ready before parsing, and 404 for another tenant", async () => {
    const created = await t.call("POST", "/v1/uploads", {
      filename: "a.txt",
      contentType: "text/plain",
      size: 3,
    });
    const { id } = (await created.json()) as { id: string };
    const early = await t.call("GET", `/v1/jobs/${id}/document`);
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ code: "document_not_ready" });
    const done = await completed("b.txt", "text/plain", "bbb");
    expect(
      (await t.call("GET", `/v1/jobs/${done}/document`, undefined, { key: OTHER_TENANT_KEY })).status,
    ).toBe(404);
  });
});

describe("GET /v1/jobs/{id}/file", () => {
  it("redirects to a presigned GET that downloads the original under its name", async () => {
    const body = "the original bytes";
    const id = await completed("Ünterlagen (final).txt", "text/plain", body);
    const res = await t.call("GET", `/v1/jobs/${id}/file`);
    expect(res.status).toBe(302);
    const location = res.headers.get("location")!;
    expect(location).toContain("X-Amz-Expires=300");
    const download = await fetch(location);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(body);
    expect(download.headers.get("content-disposition")).toContain(
      "filename*=UTF-8''%C3%9Cnterlagen%20%28final%29.txt",
    );
    expect(new URL(await getFileUrl(client(), id)).pathname).toBe(new URL(location).pathname);
  });

  it("is 409 file_not_uploaded while the upload is awaited, and 404 for another tenant", async () => {
    const created = await t.call("POST", "/v1/uploads", {
      filename: "a.txt",
      contentType: "text/plain",
      size: 3,
    });
    const { id } = (await created.json()) as { id: string };
    const res = await t.call("GET", `/v1/jobs/${id}/file`);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "file_not_uploaded" });
    expect((await t.call("GET", `/v1/jobs/${id}/file`, undefined, { key: OTHER_TENANT_KEY })).status).toBe(
      404,
    );
  });
});

describe("intake get", () => {
  it("--markdown writes the document to stdout", async () => {
    const docx = buildDocx([{ text: "Title here", style: "Heading1" }, { text: "Body text." }]);
    const id = await completed("cli.docx", "application/octet-stream", docx as Uint8Array<ArrayBuffer>);
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        "bin/intake",
        ["get", id, "--markdown"],
        { env: { ...process.env, INTAKE_URL: server.url, INTAKE_API_KEY: API_KEY }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^# Title here$/m);
    expect(run.stdout).toContain("Body text.");
  });
});
