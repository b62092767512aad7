import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevS3 } from "../src/storage/dev-s3/server.js";
import type { Worker } from "../src/worker/runtime.js";
import { createTestApp, postToUrl, putToUrl, sha256Hex, type TestApp } from "./helpers/app.js";
import { S3_KEY, S3_SECRET } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { freePort } from "./helpers/free-port.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

const MiB = 1024 * 1024;
let dev: Awaited<ReturnType<typeof startDevS3>>;
let ctx: TestContext;
let t: TestApp;
let worker: Worker;

beforeAll(async () => {
  dev = await startDevS3({
    port: await freePort(),
    dataDir: await mkdtemp(path.join(os.tmpdir(), "intake-dev-s3-")),
    credentials: { accessKeyId: S3_KEY, secretAccessKey: S3_SECRET, region: "us-east-1" },
  });
  ctx = await createTestContext({
    S3_ENDPOINT: dev.endpoint,
    INTAKE_MULTIPART_THRESHOLD_BYTES: String(6 * MiB),
    INTAKE_PART_SIZE_BYTES: String(5 * MiB),
  });
  t = await createTestApp(ctx);
  ({ worker } = await startTestWorker(ctx));
});
afterAll(async () => {
  await worker?.stop();
  await ctx?.close();
  await dev?.stop();
});

describe("development S3 server (fallback when MinIO is not built)", () => {
  it("enforces a POST policy's conditions: key, content type and expiry", async () => {
    const post = (await (
      await t.call("POST", "/v1/uploads", {
        filename: "c.txt",
        contentType: "text/plain",
        size: 3,
        method: "POST",
      })
    ).json()) as any;
    const otherKey = {
      ...post.upload,
      fields: { ...post.upload.fields, key: "uploads/default/elsewhere.txt" },
    };
    expect((await postToUrl(otherKey, "abc")).status).toBe(403);
    const otherType = { ...post.upload, fields: { ...post.upload.fields, "Content-Type": "text/html" } };
    expect((await postToUrl(otherType, "abc")).status).toBe(403);
    const { Policy: _policy, ...unsigned } = post.upload.fields;
    expect((await postToUrl({ ...post.upload, fields: unsigned }, "abc")).status).toBe(403);
    const stale = Buffer.from(
      JSON.stringify({
        expiration: "2020-01-01T00:00:00Z",
        conditions: [["eq", "$key", post.upload.fields.key]],
      }),
    ).toString("base64");
    expect(
      (await postToUrl({ ...post.upload, fields: { ...post.upload.fields, Policy: stale } }, "abc")).status,
    ).toBe(403);
    expect((await postToUrl(post.upload, "abc")).status).toBe(204);
  });

  it("lists objects page by page (the orphan sweep's ListObjectsV2)", async () => {
    const id = "00000000-0000-4000-8000-00000000abcd";
    for (const n of ["a", "b", "c"]) {
      await ctx.s3.send(
        new PutObjectCommand({ Bucket: ctx.config.s3.bucket, Key: `derived/list/${id}/${n}`, Body: n }),
      );
    }
    const first = await ctx.store.list(`derived/list/${id}/`, { limit: 2 });
    expect(first.objects.map((o) => o.key.slice(-1))).toEqual(["a", "b"]);
    const second = await ctx.store.list(`derived/list/${id}/`, { after: first.next, limit: 2 });
    expect(second.objects.map((o) => o.key.slice(-1))).toEqual(["c"]);
    expect(second.next).toBeNull();
  });

  it("carries a PUT upload through completion and every stage", async () => {
    const id = await uploadFile(t, "dev.md", "text/markdown", `# Dev\n\n${"local trial ".repeat(100)}`);
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
    expect(job!.status).toBe("completed");
    expect(job!.content_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("rejects a body that does not match its declared checksum and an expired URL", async () => {
    const res = await t.call("POST", "/v1/uploads", {
      filename: "c.txt",
      contentType: "text/plain",
      size: 5,
      sha256: sha256Hex("hello"),
    });
    const job = (await res.json()) as any;
    expect((await putToUrl(job.upload, "HELLO")).status).toBe(400);
    const url = await getSignedUrl(ctx.s3, new PutObjectCommand({ Bucket: ctx.config.s3.bucket, Key: "x" }), {
      expiresIn: 1,
      signingDate: new Date(Date.now() - 60_000),
    });
    expect((await fetch(url, { method: "PUT", body: "x" })).status).toBe(403);
  });

  it("enforces a POST policy's exact size and completes multipart uploads", async () => {
    const post = (await (
      await t.call("POST", "/v1/uploads", {
        filename: "p.txt",
        contentType: "text/plain",
        size: 3,
        method: "POST",
      })
    ).json()) as any;
    expect((await postToUrl(post.upload, "toolong")).status).toBe(400);
    expect((await postToUrl(post.upload, "abc")).status).toBe(204);
    expect((await t.call("POST", `/v1/uploads/${post.id}/complete`)).status).toBe(200);

    const data = new Uint8Array(7 * MiB).fill(42);
    const mp = (await (
      await t.call("POST", "/v1/uploads", {
        filename: "m.bin",
        contentType: "application/octet-stream",
        size: data.length,
        sha256: sha256Hex(data),
      })
    ).json()) as any;
    const parts = await Promise.all(
      mp.upload.parts.map(async (p: any) => {
        const body = data.subarray(
          (p.partNumber - 1) * 5 * MiB,
          Math.min(data.length, p.partNumber * 5 * MiB),
        );
        const r = await fetch(p.url, { method: "PUT", body });
        return { partNumber: p.partNumber, etag: r.headers.get("etag")! };
      }),
    );
    const listed = (await (await t.call("GET", `/v1/uploads/${mp.id}/parts`)).json()) as any;
    expect(listed.parts.map((p: any) => p.partNumber)).toEqual([1, 2]);
    const done = await t.call("POST", `/v1/uploads/${mp.id}/complete`, { parts });
    expect(done.status).toBe(200);
    expect(((await done.json()) as any).status).toBe("queued");
  });
});
