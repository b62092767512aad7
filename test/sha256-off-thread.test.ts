import { createHash, randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { threadId as mainThreadId } from "node:worker_threads";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex, sha256OffThread } from "../src/storage/sha256-off-thread.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

// Completion hashes uploads it could not verify from S3's own checksum (POST, multipart); the
// hash must run in a worker thread, not on the API's event loop.

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

const expected = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** `data` in chunks of `size`, each its own buffer (copies: the hasher may detach them). */
async function* chunked(data: Uint8Array, size: number) {
  for (let i = 0; i < data.length; i += size) {
    // Uint8Array.from, not Buffer#slice: that returns a view, whose transfer would detach `data`.
    yield Uint8Array.from(data.subarray(i, i + size));
    // Let other jobs interleave with this one.
    await new Promise((r) => setImmediate(r));
  }
}

describe("sha256 off the main thread", () => {
  it("equals node's sha256 for 0 bytes, 1 byte, one chunk and many chunks", async () => {
    for (const [size, chunk] of [
      [0, 1],
      [1, 1],
      [65_536, 65_536],
      [65_537, 65_536],
      // Past the 1 MiB the hasher lets a job have in flight, so the reader waits for acks.
      [5 * 1024 * 1024 + 3, 64 * 1024],
    ] as const) {
      const data = randomBytes(size);
      expect(await sha256Hex(chunked(data, chunk)), `${size} bytes`).toBe(expected(data));
    }
  });

  it("hashes in a worker thread, transferring whole buffers and copying views into shared ones", async () => {
    const own = new Uint8Array(100_000).fill(7);
    const backing = new Uint8Array(300).fill(9);
    const view = backing.subarray(100, 200);
    const want = expected(Buffer.concat([own, view]));
    async function* source() {
      yield own;
      yield view;
    }
    const result = await sha256OffThread(source());
    expect(result.hex).toBe(want);
    expect(result.threadId).toBeGreaterThan(0);
    expect(result.threadId).not.toBe(mainThreadId);
    // Moved, not copied: the transferred buffer is detached here.
    expect(own.byteLength).toBe(0);
    // A view into a larger buffer was copied; its buffer is untouched.
    expect(backing.byteLength).toBe(300);
    expect(view[0]).toBe(9);
  });

  it("hashes only a Buffer chunk's own bytes when it shares memory (Node's pool, a larger read)", async () => {
    const pooled = Buffer.from("a small chunk cut from the shared pool");
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    const backing = Buffer.alloc(300, 9);
    const view = backing.subarray(100, 200);
    async function* source() {
      yield pooled;
      yield view;
    }
    const result = await sha256OffThread(source());
    expect(result.hex).toBe(expected(Buffer.concat([pooled, view])));
    // Neither was detached: both were copied.
    expect(pooled.toString()).toBe("a small chunk cut from the shared pool");
    expect(backing.byteLength).toBe(300);
  });

  it("keeps concurrent hashes apart, on at most two threads", async () => {
    const inputs = Array.from({ length: 24 }, (_, i) => randomBytes(50_000 + i * 7_919));
    const results = await Promise.all(inputs.map((d, i) => sha256OffThread(chunked(d, 4096 + i))));
    expect(results.map((r) => r.hex)).toEqual(inputs.map(expected));
    const threads = new Set(results.map((r) => r.threadId));
    expect(threads.size).toBeGreaterThanOrEqual(1);
    expect(threads.size).toBeLessThanOrEqual(2);
    expect(threads.has(mainThreadId)).toBe(false);
  });

  it("rejects with a stream's error and leaves nothing behind in the thread", async () => {
    const before = await sha256OffThread(chunked(randomBytes(10), 10));
    async function* failing() {
      yield randomBytes(70_000);
      yield randomBytes(70_000);
      throw new Error("connection reset");
    }
    await expect(sha256Hex(failing())).rejects.toThrow("connection reset");
    const data = randomBytes(1000);
    const after = await sha256OffThread(chunked(data, 100));
    expect(after.hex).toBe(expected(data));
    // Idle threads are reused first, so the same thread took all three jobs.
    expect(after.threadId).toBe(before.threadId);
    expect(after.openInThread).toBe(0);
  });

  it("rejects with the abort reason, then releases the source at its next chunk", async () => {
    const stream = new PassThrough();
    const controller = new AbortController();
    const hashing = sha256Hex(stream, controller.signal);
    stream.write(randomBytes(10_000));
    const reason = new Error("client went away");
    controller.abort(reason);
    await expect(hashing).rejects.toBe(reason);
    stream.write(randomBytes(10));
    await expect.poll(() => stream.destroyed).toBe(true);
    await expect(sha256Hex(chunked(randomBytes(1), 1), AbortSignal.abort())).rejects.toThrow();
    const next = await sha256OffThread(chunked(Buffer.from("abc"), 1));
    expect(next.hex).toBe(expected(Buffer.from("abc")));
    expect(next.openInThread).toBe(0);
  });

  it("hashes an object read from S3 (the completion path's stream)", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 11);
    const key = "hash/object.bin";
    await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.s3.bucket, Key: key, Body: data }));
    const result = await sha256OffThread(await ctx.store.open(key));
    expect(result.hex).toBe(expected(data));
    expect(result.threadId).not.toBe(mainThreadId);
  });
});
