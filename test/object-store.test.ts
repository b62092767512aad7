import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { DependencyUnavailableError } from "../src/resilience/dependency.js";
import { createObjectStore } from "../src/storage/create-object-store.js";
import { InvalidPartsError, ObjectNotFoundError, PreconditionFailedError } from "../src/storage/errors.js";
import type { ObjectStore } from "../src/storage/object-store.js";
import { createTestApp, putToUrl, type TestApp } from "./helpers/app.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { freePort } from "./helpers/free-port.js";

let ctx: TestContext;
let t: TestApp;
let dead: ObjectStore;

beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
  // Storage as a process would see it during an outage: nothing listens at its endpoint.
  dead = createObjectStore({ ...ctx.config.s3, endpoint: `http://127.0.0.1:${await freePort()}` });
});
afterAll(async () => {
  dead.destroy();
  await ctx.close();
});

const put = (key: string, body: string) =>
  ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.s3.bucket, Key: key, Body: body }));
const readAll = async (stream: AsyncIterable<Uint8Array>) => {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(Buffer.from(p));
  return Buffer.concat(parts).toString("utf8");
};

describe("ObjectStore answers with typed errors", () => {
  it("a missing object is ObjectNotFoundError for head and open", async () => {
    await expect(ctx.store.head("nope/a.txt")).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(ctx.store.open("nope/a.txt")).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it("open with the etag of a replaced version is PreconditionFailedError; the current etag reads", async () => {
    await put("os/v.txt", "first");
    const { etag } = await ctx.store.head("os/v.txt");
    await put("os/v.txt", "second");
    await expect(ctx.store.open("os/v.txt", { ifMatch: etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    const now = await ctx.store.head("os/v.txt");
    expect(await readAll(await ctx.store.open("os/v.txt", { ifMatch: now.etag }))).toBe("second");
  });

  it("a writer streams text into one object; abort leaves none", async () => {
    const w = ctx.store.writer("os/w.txt", "text/plain; charset=utf-8");
    for (let i = 0; i < 100; i++) await w.write(`line ${i}\n`);
    await w.close();
    const text = await readAll(await ctx.store.open("os/w.txt"));
    expect(text.split("\n")).toHaveLength(101);
    const aborted = ctx.store.writer("os/aborted.txt", "text/plain");
    await aborted.write("partial");
    await aborted.abort();
    await expect(ctx.store.head("os/aborted.txt")).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it("a wrong multipart part list is InvalidPartsError; a finished upload completes as gone", async () => {
    const uploadId = await ctx.store.createMultipart({
      key: "os/m.bin",
      contentType: "application/octet-stream",
      size: 3,
    });
    await expect(
      ctx.store.completeMultipart("os/m.bin", uploadId, [{ partNumber: 1, etag: '"0123"' }]),
    ).rejects.toBeInstanceOf(InvalidPartsError);
    await ctx.store.abortMultipart("os/m.bin", uploadId);
    await ctx.store.abortMultipart("os/m.bin", uploadId); // already gone: not an error
    expect(await ctx.store.completeMultipart("os/m.bin", uploadId, [{ partNumber: 1, etag: '"0123"' }])).toBe(
      "gone",
    );
  });
});

describe("ObjectStore guards every call", () => {
  it("an unreachable store fails with DependencyUnavailableError, then its breaker refuses without calling", async () => {
    await expect(dead.head("a")).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(dead.delete("a")).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(dead.open("a")).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(dead.isOpen).toBe(true);
    const refused = await dead.head("a").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DependencyUnavailableError);
    expect((refused as DependencyUnavailableError).refused).toBe(true);
    // The probe bypasses the breaker: it reports what storage does now.
    expect((await dead.probe(500)).ok).toBe(false);
    expect((await ctx.store.probe()).ok).toBe(true);
  });

  it("completion during a storage outage answers 503 storage_unavailable and keeps the upload", async () => {
    const created = await t.call("POST", "/v1/uploads", {
      filename: "a.txt",
      contentType: "text/plain",
      size: 5,
    });
    const job = (await created.json()) as {
      id: string;
      upload: { url: string; headers: Record<string, string> };
    };
    expect((await putToUrl(job.upload, "hello")).status).toBe(200);
    const down = createApp({ ...t.deps, store: dead });
    const res = await down.request(`/v1/uploads/${job.id}/complete`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.json()).toMatchObject({ code: "storage_unavailable" });
    const row = await ctx.db
      .selectFrom("jobs")
      .select("status")
      .where("id", "=", job.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("awaiting_upload");
    // Once storage is back the same upload completes: nothing was lost.
    const again = await t.call("POST", `/v1/uploads/${job.id}/complete`);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe("queued");
  });
});
