import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeEventKey } from "../src/api/routes/storage-events.js";
import { findJobById } from "../src/db/sql/find-job.js";
import { EVENTS_CHANNEL } from "../src/db/sql/job-events.js";
import { createObjectStore } from "../src/storage/create-object-store.js";
import { type LocalMinio, startLocalMinio } from "../src/storage/local-minio.js";
import { createS3Client } from "../src/storage/s3-client.js";
import { createTestApp, putToUrl, type TestApp } from "./helpers/app.js";
import { S3_KEY, S3_SECRET, WEBHOOK_TOKEN } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { freePort } from "./helpers/free-port.js";
import { listen } from "./helpers/listen.js";

let ctx: TestContext;
let t: TestApp;
let minio: LocalMinio;
let server: ReturnType<typeof serve>;

beforeAll(async () => {
  const apiPort = await freePort();
  const minioPort = await freePort();
  // This file's own MinIO, whose webhook target is this file's API server.
  ctx = await createTestContext();
  const dir = await mkdtemp(path.join(os.tmpdir(), "intake-webhook-"));
  minio = await startLocalMinio({
    port: minioPort,
    dataDir: dir,
    accessKeyId: S3_KEY,
    secretAccessKey: S3_SECRET,
    webhook: { url: `http://127.0.0.1:${apiPort}/v1/storage-events`, token: WEBHOOK_TOKEN },
  });
  const s3 = createS3Client({
    endpoint: minio.endpoint,
    region: "us-east-1",
    accessKeyId: S3_KEY,
    secretAccessKey: S3_SECRET,
  });
  const store = createObjectStore({ ...ctx.config.s3, endpoint: minio.endpoint });
  const setup = await store.ensureBucket({ notifications: true });
  expect(setup.warnings).toEqual([]);
  expect(setup.notifications).toBe(true);
  ctx = { ...ctx, s3, store };
  t = await createTestApp(ctx);
  server = serve({ fetch: t.app.fetch, port: apiPort, hostname: "127.0.0.1" });
});
afterAll(async () => {
  server?.close();
  await minio?.stop();
  await ctx?.close();
});

describe("storage webhook", () => {
  it("decodes S3 event keys (form encoding, + is a space)", () => {
    expect(decodeEventKey("uploads/a/b/my+file%2B1.txt")).toBe("uploads/a/b/my file+1.txt");
  });

  it("completes a job when MinIO reports the object, with no client callback", async () => {
    const res = await t.call("POST", "/v1/uploads", {
      filename: "hook.txt",
      contentType: "text/plain",
      size: 5,
    });
    const job = (await res.json()) as any;
    // Wait for the job's `uploaded` event through LISTEN: the delivery is asynchronous by nature.
    const uploaded = listen(ctx.databaseUrl, EVENTS_CHANNEL, (p) => JSON.parse(p).jobId === job.id, 15_000);
    await uploaded.ready;
    expect((await putToUrl(job.upload, "12345")).status).toBe(200);
    await uploaded.done;
    const row = await findJobById(ctx.db, job.id);
    expect(row!.status).toBe("queued");
    const events = await ctx.db
      .selectFrom("job_events")
      .select(["type", "data"])
      .where("job_id", "=", job.id)
      .execute();
    expect(events.filter((e) => e.type === "uploaded").map((e) => e.data.source)).toEqual(["webhook"]);

    // A redelivery of the same event (MinIO retries on timeouts) changes nothing.
    const redelivery = {
      Records: [
        {
          eventName: "s3:ObjectCreated:Put",
          s3: { bucket: { name: ctx.config.s3.bucket }, object: { key: row!.object_key } },
        },
      ],
    };
    for (let i = 0; i < 2; i++) {
      const res = await t.call("POST", "/v1/storage-events", redelivery, { key: WEBHOOK_TOKEN });
      expect(((await res.json()) as any).results).toEqual([{ key: row!.object_key, outcome: "already" }]);
    }
    const uploadedEvents = await ctx.db
      .selectFrom("job_events")
      .select("id")
      .where("job_id", "=", job.id)
      .where("type", "=", "uploaded")
      .execute();
    expect(uploadedEvents).toHaveLength(1);
  });

  it("ignores objects that belong to no job", async () => {
    await ctx.s3.send(
      new PutObjectCommand({
        Bucket: ctx.config.s3.bucket,
        Key: "uploads/default/00000000-0000-0000-0000-000000000000/x",
        Body: "x",
      }),
    );
    const stray = await t.call(
      "POST",
      "/v1/storage-events",
      {
        Records: [
          {
            eventName: "s3:ObjectCreated:Put",
            s3: { bucket: { name: ctx.config.s3.bucket }, object: { key: "elsewhere/x" } },
          },
        ],
      },
      { key: WEBHOOK_TOKEN },
    );
    expect(((await stray.json()) as any).results).toEqual([{ key: "elsewhere/x", outcome: "ignored" }]);
  });

  it("refuses a wrong token and answers MinIO's HEAD probe", async () => {
    expect(
      (await t.call("POST", "/v1/storage-events", { Records: [] }, { key: "wrong-token-wrong-token" }))
        .status,
    ).toBe(401);
    expect((await t.call("HEAD", "/v1/storage-events", undefined, { key: WEBHOOK_TOKEN })).status).toBe(200);
    expect((await t.call("POST", "/v1/storage-events", "{", { key: WEBHOOK_TOKEN })).status).toBe(400);
  });
});
