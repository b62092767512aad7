import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companionRoutes } from "../src/api/routes/companion.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

// Issue 15, Companion `/s3` routes: a body limit, application/json only, at most ⌈size / 5 MiB⌉
// parts signed, and a bounded part list on completion.

const MiB = 1024 * 1024;
let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext({
    INTAKE_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
    INTAKE_PART_SIZE_BYTES: String(5 * MiB),
  });
  t = await createTestApp(ctx);
  t.app.route("/s3", companionRoutes(t.deps));
});
afterAll(async () => {
  await ctx?.close();
});

const s3 = (method: string, path: string, body?: string, type = "application/json") =>
  t.app.request(`/s3${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { "content-type": type }) },
    body,
  });

async function createMultipart(size: number) {
  const res = await s3(
    "POST",
    "/multipart",
    JSON.stringify({ filename: "big.bin", type: "application/octet-stream", metadata: { size } }),
  );
  expect(res.status).toBe(200);
  return (await res.json()) as { key: string; uploadId: string };
}

describe("Companion /s3 limits", () => {
  it("refuses a body that is not application/json with 415", async () => {
    const body = JSON.stringify({ filename: "a.bin", type: "text/plain", metadata: { size: 6 * MiB } });
    const res = await s3("POST", "/multipart", body, "text/plain");
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: "unsupported_media_type", error: expect.any(String) });
  });

  it("answers malformed JSON with 400, not an empty upload", async () => {
    const res = await s3("POST", "/multipart", "{not json");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "malformed_json" });
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const body = JSON.stringify({
      filename: "a.bin",
      type: "text/plain",
      metadata: { size: 6 * MiB, pad: "x".repeat(2 * MiB) },
    });
    const res = await s3("POST", "/multipart", body);
    expect(res.status).toBe(413);
  });

  it("signs at most ⌈size / 5 MiB⌉ parts", async () => {
    const { key, uploadId } = await createMultipart(11 * MiB);
    const q = `key=${encodeURIComponent(key)}`;
    expect((await s3("GET", `/multipart/${uploadId}/3?${q}`)).status).toBe(200);
    const beyond = await s3("GET", `/multipart/${uploadId}/4?${q}`);
    expect(beyond.status).toBe(400);
    expect(await beyond.json()).toMatchObject({ code: "invalid_part_number" });
    const batch = await s3("GET", `/multipart/${uploadId}/batch?${q}&partNumbers=1,2,3,9999`);
    expect(batch.status).toBe(400);
  });

  it("refuses a part list longer than the upload can have before calling storage", async () => {
    const { key, uploadId } = await createMultipart(6 * MiB);
    const parts = Array.from({ length: 10_000 }, (_, i) => ({ PartNumber: i + 1, ETag: '"e"' }));
    const res = await s3(
      "POST",
      `/multipart/${uploadId}/complete?key=${encodeURIComponent(key)}`,
      JSON.stringify({ parts }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_parts" });
  });

  it("refuses a completion whose body is not application/json", async () => {
    const { key, uploadId } = await createMultipart(6 * MiB);
    const res = await s3(
      "POST",
      `/multipart/${uploadId}/complete?key=${encodeURIComponent(key)}`,
      JSON.stringify({ parts: [{ PartNumber: 1, ETag: '"e"' }] }),
      "text/plain",
    );
    expect(res.status).toBe(415);
  });
});
