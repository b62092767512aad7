import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/database.js";
import { findJobById } from "../src/db/sql/find-job.js";
import type { ObjectStore } from "../src/storage/object-store.js";
import { completeUpload } from "../src/uploads/complete-upload.js";
import { createTestApp, postToUrl, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

// Issue 15, completion: only one verification of a job runs at a time, so 50 concurrent
// completes of a POST upload (no checksum from storage: intake hashes it) read it once.

const MiB = 1024 * 1024;
let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext({ INTAKE_MULTIPART_THRESHOLD_BYTES: String(256 * MiB) });
  t = await createTestApp(ctx);
});
afterAll(() => ctx.close());

/** The store with `open` (the read a hash makes) counted. */
function countingStore(store: ObjectStore): { store: ObjectStore; opens: () => number } {
  let opens = 0;
  const counted = new Proxy(store, {
    get(target, prop) {
      if (prop === "open") {
        return (...args: Parameters<ObjectStore["open"]>) => {
          opens++;
          return target.open(...args);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: counted, opens: () => opens };
}

/** A POST upload with a declared sha256, uploaded and not yet completed. */
async function postUploaded(size: number) {
  const body = new Uint8Array(size).map((_, i) => i % 251);
  const sha256 = createHash("sha256").update(body).digest("hex");
  const res = await t.call("POST", "/v1/uploads", {
    filename: "big.bin",
    contentType: "application/octet-stream",
    size,
    sha256,
    method: "POST",
  });
  expect(res.status).toBe(201);
  const json = (await res.json()) as any;
  expect((await postToUrl(json.upload, body)).status).toBe(204);
  return (await findJobById(ctx.db, json.id))!;
}

describe("one verification at a time", () => {
  it("50 concurrent completes of a 32 MiB POST upload hash it once", async () => {
    const job = await postUploaded(32 * MiB);

    const { store, opens } = countingStore(ctx.store);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => completeUpload({ db: ctx.db, store }, job, "callback")),
    );

    expect(results.filter((r) => r.outcome === "ok")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "already")).toHaveLength(49);
    expect(opens()).toBe(1);
    expect((await findJobById(ctx.db, job.id))!.status).toBe("queued");
  });

  it("completions of more jobs than the pool has connections finish (the lock's work uses its own connection)", async () => {
    const jobs = await Promise.all(Array.from({ length: 6 }, () => postUploaded(64 * 1024)));
    const small = createDb({ connectionString: ctx.databaseUrl, max: 2 });
    try {
      const results = await Promise.race([
        Promise.all(jobs.map((job) => completeUpload({ db: small, store: ctx.store }, job, "callback"))),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("completions deadlocked")), 15_000),
        ),
      ]);
      expect(results.map((r) => r.outcome)).toEqual(jobs.map(() => "ok"));
    } finally {
      await small.destroy();
    }
  });
});
