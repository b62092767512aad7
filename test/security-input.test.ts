import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { WEBHOOK_TOKEN } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

// Issue 15, "bad input everywhere answers 4xx": each hostile input gets a clear 4xx, never a 500.

let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
});
afterAll(async () => {
  await ctx?.close();
});

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const event = (key: string, bucket = ctx.config.s3.bucket) => ({
  eventName: "s3:ObjectCreated:Put",
  s3: { bucket: { name: bucket }, object: { key } },
});
const postEvents = (records: unknown[], headers: Record<string, string> = {}) =>
  t.app.request("/v1/storage-events", {
    method: "POST",
    headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ Records: records }),
  });

describe("bad input answers 4xx", () => {
  it.each([20, 60])("metadata nested %i deep is 400 invalid_body naming metadata", async (depth) => {
    const body = `{"filename":"a.txt","contentType":"text/plain","size":1,"metadata":{"a":${nested(depth)}}}`;
    const res = await t.call("POST", "/v1/uploads", body);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe("invalid_body");
    expect(problem.detail).toContain("metadata");
  });

  it.each([10_000, 30_000])("a body nested %i deep is 400, not a stack overflow", async (depth) => {
    const body = `{"filename":"a.txt","contentType":"text/plain","size":1,"metadata":{"a":${nested(depth)}}}`;
    const res = await t.call("POST", "/v1/uploads", body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("invalid_body");
  });

  it("a webhook bearer with non-ASCII bytes is 401, not a 500", async () => {
    // Same length in UTF-16 code units as the real token, different length in bytes: a naive
    // timingSafeEqual throws RangeError on it.
    const token = `\u00e9${WEBHOOK_TOKEN.slice(1)}`;
    expect(token.length).toBe(WEBHOOK_TOKEN.length);
    const res = await t.app.request("/v1/storage-events", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ Records: [] }),
    });
    expect(res.status).toBe(401);
  });

  it("storage events: a malformed UUID, a malformed percent-encoding and a foreign key are each answered per record", async () => {
    const created = await t.call("POST", "/v1/uploads", {
      filename: "ok.txt",
      contentType: "text/plain",
      size: 5,
    });
    expect(created.status).toBe(201);
    const res = await postEvents([
      event(`uploads/default/${"-".repeat(36)}/a.txt`),
      event(`uploads/default/${"g".repeat(8)}-0000-0000-0000-000000000000/a.txt`),
      event("uploads/default/%E0%A4%A/a.txt"),
      event(`uploads/default/${randomUUID()}/100%zz.txt`),
      event(`uploads/default/${randomUUID()}/a.txt`),
      { eventName: 42 },
      "not a record",
    ]);
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { outcome: string }[] };
    expect(results.map((r) => r.outcome)).toEqual([
      "ignored",
      "ignored",
      "invalid",
      "invalid",
      "ignored",
      "invalid",
      "invalid",
    ]);
  });

  it("an upload key with a malformed UUID is not an intake key", async () => {
    const { parseObjectKey } = await import("../src/storage/object-key.js");
    expect(parseObjectKey(`uploads/default/${"-".repeat(36)}/a.txt`)).toBeNull();
    expect(parseObjectKey(`uploads/default/${randomUUID()}/a.txt`)).not.toBeNull();
  });

  it("a malformed job id in a path is 404 or 400, never 500", async () => {
    for (const id of ["------------------------------------", "%E0%A4%A", "x".repeat(5000)]) {
      const res = await t.call("GET", `/v1/jobs/${id}`);
      expect([400, 404]).toContain(res.status);
    }
  });
});
