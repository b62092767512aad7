import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntakeError, type JobEvent, upload, watchJob } from "../src/client/node.js";
import type { Worker } from "../src/worker/runtime.js";
import { createTestApp, sha256Hex } from "./helpers/app.js";
import { listenOnFreePort, type RunningServer } from "./helpers/client-server.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { startTestWorker } from "./helpers/worker.js";

const MiB = 1024 * 1024;
let ctx: TestContext;
let server: RunningServer;
let worker: Worker;
let dir: string;
beforeAll(async () => {
  ctx = await createTestContext({
    INTAKE_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
    INTAKE_PART_SIZE_BYTES: String(5 * MiB),
  });
  server = await listenOnFreePort((await createTestApp(ctx)).app);
  ({ worker } = await startTestWorker(ctx));
  dir = await mkdtemp(path.join(os.tmpdir(), "intake-sdk-"));
});
afterAll(async () => {
  await worker?.stop();
  await server?.close();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

const client = () => ({ url: server.url, apiKey: API_KEY });
const partOf = (input: RequestInfo | URL) => new URL(String(input)).searchParams.get("partNumber");

async function storedSha256(jobId: string) {
  const row = await ctx.db
    .selectFrom("jobs")
    .select("object_key")
    .where("id", "=", jobId)
    .executeTakeFirstOrThrow();
  const obj = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.s3.bucket, Key: row.object_key }));
  return sha256Hex(new Uint8Array(await obj.Body!.transformToByteArray()));
}

/** A text file big enough for `parts` parts of 5 MiB (the last one shorter). */
async function bigTextFile(name: string, bytes: number) {
  const line = "intake multipart line of text, with words to chunk and embed.\n";
  const text = line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
  const file = path.join(dir, name);
  await writeFile(file, text);
  return { file, sha256: sha256Hex(text) };
}

describe("upload SDK against real MinIO", () => {
  it("uploads a small file with a PUT, declares its sha256 and watches it to completed", async () => {
    const body = new TextEncoder().encode("Small file from the SDK. ".repeat(40));
    const events: JobEvent[] = [];
    const bytes: number[] = [];
    const { job } = await upload(body, {
      ...client(),
      filename: "small.txt",
      onBytes: (p) => bytes.push(p.sent),
      watch: { onEvent: (e) => events.push(e), pollIntervalMs: 50 },
    });
    expect(job).toMatchObject({ status: "completed", filename: "small.txt", sha256: sha256Hex(body) });
    expect(bytes.at(-1)).toBe(body.byteLength);
    expect(events.at(-1)?.data.status).toBe("completed");
    expect(await storedSha256(job.id)).toBe(sha256Hex(body));
  });

  it("watches over SSE, and falls back to status polling where no event route is served", async () => {
    const { job } = await upload(new TextEncoder().encode("watch me ".repeat(50)), {
      ...client(),
      filename: "w.txt",
    });
    const streamed: JobEvent[] = [];
    const final = await watchJob(client(), job.id, { onEvent: (e) => streamed.push(e) });
    expect(final.status).toBe("completed");
    expect(streamed.map((e) => e.type)).toContain("stage_completed");
    expect(streamed.every((e) => e.id > 0)).toBe(true);

    const noEvents: typeof fetch = async (input, init) =>
      String(input).includes("/events")
        ? new Response(JSON.stringify({ code: "not_found", detail: "no route" }), { status: 404 })
        : fetch(input, init);
    const polled: JobEvent[] = [];
    const again = await watchJob({ ...client(), fetch: noEvents }, job.id, {
      onEvent: (e) => polled.push(e),
    });
    expect(again.status).toBe("completed");
    expect(polled).toEqual([
      expect.objectContaining({ type: "status", data: expect.objectContaining({ status: "completed" }) }),
    ]);
    await expect(watchJob(client(), "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
      code: "not_found",
      status: 404,
    });
  });

  it("uploads a Node readable (spooled) and honours a declared checksum; a wrong one is a typed error", async () => {
    const text = "declared checksum body\n".repeat(100);
    const { job } = await upload(Readable.from([text]), {
      ...client(),
      filename: "r.txt",
      sha256: sha256Hex(text),
    });
    expect(job).toMatchObject({ status: "queued", sha256: sha256Hex(text), size: text.length });

    const wrong = sha256Hex("something else");
    const put = upload(new TextEncoder().encode(text), { ...client(), filename: "bad.txt", sha256: wrong });
    await expect(put).rejects.toMatchObject({ name: "IntakeError", code: "storage_error", status: 400 });
    // A form POST cannot carry the checksum to S3: intake's completion finds the mismatch.
    const post = upload(new TextEncoder().encode(text), {
      ...client(),
      filename: "bad-post.txt",
      sha256: wrong,
      method: "POST",
    });
    const err = await post.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntakeError);
    expect(err).toMatchObject({ code: "checksum_mismatch", status: 422 });
  });

  it("sends a multipart upload from a file path with parallel parts", async () => {
    const { file, sha256 } = await bigTextFile("big.txt", 13 * MiB);
    let inFlight = 0;
    let maxInFlight = 0;
    const parts: string[] = [];
    const counting: typeof fetch = async (input, init) => {
      const part = partOf(input);
      if (!part) return fetch(input, init);
      parts.push(part);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    const progress: number[] = [];
    const { job } = await upload(file, {
      ...client(),
      fetch: counting,
      concurrency: 3,
      onBytes: (p) => progress.push(p.sent),
    });
    expect(job).toMatchObject({ status: "queued", size: 13 * MiB, sha256 });
    expect(parts.sort()).toEqual(["1", "2", "3"]);
    expect(maxInFlight).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toBe(13 * MiB);
    expect(await storedSha256(job.id)).toBe(sha256);
  });

  it("resumes an interrupted multipart upload without resending the parts storage holds", async () => {
    const { file, sha256 } = await bigTextFile("resume.txt", 12 * MiB);
    const idempotencyKey = `resume-${randomBytes(4).toString("hex")}`;
    const abort = new AbortController();
    const interrupted: typeof fetch = async (input, init) => {
      if (partOf(input) === "2") abort.abort(); // the connection is lost when part 2 starts
      return fetch(input, init);
    };
    let firstId = "";
    const first = upload(file, {
      ...client(),
      idempotencyKey,
      concurrency: 1,
      fetch: interrupted,
      signal: abort.signal,
      onCreated: (j) => {
        firstId = j.id;
      },
    });
    await expect(first).rejects.toMatchObject({ code: "aborted" });

    const sent: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      const part = partOf(input);
      if (part) sent.push(part);
      return fetch(input, init);
    };
    const { job } = await upload(file, { ...client(), idempotencyKey, fetch: recording });
    expect(job.id).toBe(firstId);
    expect(sent.sort()).toEqual(["2", "3"]);
    expect(job.status).toBe("queued");
    expect(await storedSha256(job.id)).toBe(sha256);
  });

  it("retries a part that fails once", async () => {
    const { file, sha256 } = await bigTextFile("retry.txt", 11 * MiB);
    const attempts = new Map<string, number>();
    const flaky: typeof fetch = async (input, init) => {
      const part = partOf(input);
      if (part) attempts.set(part, (attempts.get(part) ?? 0) + 1);
      if (part === "2" && attempts.get(part) === 1) {
        return new Response("<Error><Code>SlowDown</Code><Message>injected</Message></Error>", {
          status: 503,
        });
      }
      return fetch(input, init);
    };
    const { job } = await upload(file, { ...client(), fetch: flaky, retryBaseMs: 10 });
    expect(Object.fromEntries(attempts)).toEqual({ "1": 1, "2": 2, "3": 1 });
    expect(job.status).toBe("queued");
    expect(await storedSha256(job.id)).toBe(sha256);
    const count = await ctx.db.selectFrom("jobs").select("id").where("filename", "=", "retry.txt").execute();
    expect(count).toHaveLength(1);
  });
});
