import { HeadObjectCommand, ListMultipartUploadsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimJobs } from "../src/db/sql/claim.js";
import {
  createTestApp,
  OTHER_TENANT_KEY,
  postToUrl,
  putToUrl,
  sha256Hex,
  type TestApp,
} from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

const MiB = 1024 * 1024;
let ctx: TestContext;
let t: TestApp;

beforeAll(async () => {
  ctx = await createTestContext({
    INTAKE_MULTIPART_THRESHOLD_BYTES: String(6 * MiB),
    INTAKE_PART_SIZE_BYTES: String(5 * MiB),
  });
  t = await createTestApp(ctx);
});
afterAll(() => ctx.close());

async function create(body: Record<string, unknown>, opts?: Parameters<TestApp["call"]>[3]) {
  const res = await t.call("POST", "/v1/uploads", body, opts);
  return { res, json: (await res.json()) as any };
}
const events = (jobId: string, type: string) =>
  ctx.db.selectFrom("job_events").selectAll().where("job_id", "=", jobId).where("type", "=", type).execute();
const jobRow = (id: string) =>
  ctx.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const exists = (key: string) =>
  ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.config.s3.bucket, Key: key })).then(
    () => true,
    () => false,
  );

describe("PUT uploads", () => {
  it("creates, uploads, completes once, and completes again idempotently", async () => {
    const content = "hello, intake\n";
    const { res, json } = await create({
      filename: "../../etc/hello.txt",
      contentType: "text/plain",
      size: content.length,
      sha256: sha256Hex(content),
    });
    expect(res.status).toBe(201);
    expect(json.status).toBe("awaiting_upload");
    expect(json.filename).toBe("../../etc/hello.txt");
    expect(json.upload.method).toBe("PUT");
    const row = await jobRow(json.id);
    expect(row.object_key).toBe(`uploads/default/${json.id}/hello.txt`);

    expect((await putToUrl(json.upload, content)).status).toBe(200);
    const first = await t.call("POST", `/v1/uploads/${json.id}/complete`);
    expect(first.status).toBe(200);
    expect(((await first.json()) as any).status).toBe("queued");
    const second = await t.call("POST", `/v1/uploads/${json.id}/complete`);
    expect(second.status).toBe(200);
    expect(((await second.json()) as any).id).toBe(json.id);
    expect(await events(json.id, "uploaded")).toHaveLength(1);
    expect((await jobRow(json.id)).content_sha256).toBe(sha256Hex(content));
  });

  it("answers 409 object_missing before the PUT and leaves the job unclaimable", async () => {
    const { json } = await create({ filename: "early.txt", contentType: "text/plain", size: 3 });
    const [complete, claimed] = await Promise.all([
      t.call("POST", `/v1/uploads/${json.id}/complete`),
      claimJobs(ctx.db, { workerId: "w", stages: ["parse"], limit: 100, leaseSeconds: 30 }),
    ]);
    expect(complete.status).toBe(409);
    expect(complete.headers.get("content-type")).toBe("application/problem+json");
    expect(((await complete.json()) as any).code).toBe("object_missing");
    expect(claimed.map((j) => j.id)).not.toContain(json.id);
    expect((await jobRow(json.id)).status).toBe("awaiting_upload");
    expect(await events(json.id, "uploaded")).toHaveLength(0);
  });

  it("lets MinIO refuse a body larger than declared, a wrong checksum and a wrong type", async () => {
    const content = "exactly this";
    const { json } = await create({
      filename: "a.txt",
      contentType: "text/plain",
      size: content.length,
      sha256: sha256Hex(content),
    });
    const bigger = await fetch(json.upload.url, {
      method: "PUT",
      headers: {
        "content-type": "text/plain",
        "x-amz-checksum-sha256": json.upload.headers["x-amz-checksum-sha256"],
      },
      body: `${content}!!`,
    });
    expect(bigger.status).toBe(403);
    const tampered = await putToUrl(json.upload, "EXACTLY THIS");
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toMatch(/Checksum/i);
    const wrongType = await putToUrl(
      { ...json.upload, headers: { ...json.upload.headers, "content-type": "text/html" } },
      content,
    );
    expect(wrongType.status).toBe(403);
    expect(await exists(`uploads/default/${json.id}/a.txt`)).toBe(false);
  });

  it("rejects a wrong-size object that reaches completion with 422, deletes it, and accepts a correct one after", async () => {
    const { json } = await create({ filename: "s.txt", contentType: "text/plain", size: 5 });
    const key = (await jobRow(json.id)).object_key;
    // A misbehaving writer with bucket credentials, bypassing the signed URL.
    await ctx.s3.send(
      new PutObjectCommand({
        Bucket: ctx.config.s3.bucket,
        Key: key,
        Body: "123456",
        ContentType: "text/plain",
      }),
    );
    const res = await t.call("POST", `/v1/uploads/${json.id}/complete`);
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).code).toBe("size_mismatch");
    expect(await exists(key)).toBe(false);
    expect((await jobRow(json.id)).status).toBe("awaiting_upload");
    expect((await putToUrl(json.upload, "12345")).status).toBe(200);
    expect((await t.call("POST", `/v1/uploads/${json.id}/complete`)).status).toBe(200);
  });
});

describe("cancelling through /v1/jobs", () => {
  it("cancels an awaiting upload and removes what was already uploaded", async () => {
    const { json } = await create({ filename: "c.txt", contentType: "text/plain", size: 5 });
    expect((await putToUrl(json.upload, "hello")).status).toBe(200);
    const key = (await jobRow(json.id)).object_key;
    expect(await exists(key)).toBe(true);
    const res = await t.call("POST", `/v1/jobs/${json.id}/cancel`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).status).toBe("cancelled");
    expect(await exists(key)).toBe(false);
    expect(await events(json.id, "cancelled")).toHaveLength(1);
    // A completion after the cancel finds nothing to queue.
    const late = await t.call("POST", `/v1/uploads/${json.id}/complete`);
    expect(late.status).toBe(409);
    expect((await jobRow(json.id)).status).toBe("cancelled");
  });

  it("cancels a queued job and keeps its object", async () => {
    const { json } = await create({ filename: "q.txt", contentType: "text/plain", size: 5 });
    await putToUrl(json.upload, "hello");
    expect((await t.call("POST", `/v1/uploads/${json.id}/complete`)).status).toBe(200);
    const res = await t.call("POST", `/v1/jobs/${json.id}/cancel`);
    expect(((await res.json()) as any).status).toBe("cancelled");
    expect(await exists((await jobRow(json.id)).object_key)).toBe(true);
    expect((await t.call("POST", `/v1/jobs/${json.id}/cancel`)).status).toBe(409);
  });
});

describe("POST uploads", () => {
  it("enforces the exact size in the policy and verifies a declared checksum at completion", async () => {
    const good = "twelve bytes";
    const { json } = await create({
      filename: "p.txt",
      contentType: "text/plain",
      size: good.length,
      method: "POST",
      sha256: sha256Hex(good),
    });
    expect(json.upload.method).toBe("POST");
    const tooBig = await postToUrl(json.upload, `${good}+`);
    expect(tooBig.status).toBe(400);
    expect(await tooBig.text()).toMatch(/EntityTooLarge/);
    // Same size, other content: the policy cannot see it, completion must.
    expect((await postToUrl(json.upload, "TWELVE BYTES")).status).toBe(204);
    const bad = await t.call("POST", `/v1/uploads/${json.id}/complete`);
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).code).toBe("checksum_mismatch");
    expect((await postToUrl(json.upload, good)).status).toBe(204);
    const ok = await t.call("POST", `/v1/uploads/${json.id}/complete`);
    expect(ok.status).toBe(200);
    expect((await jobRow(json.id)).status).toBe("queued");
  });
});

describe("multipart uploads", () => {
  it("signs parts, lists uploaded parts to resume, completes, and verifies the checksum", async () => {
    const size = 11 * MiB;
    const data = new Uint8Array(size).map((_, i) => (i * 7) % 251);
    const { json } = await create({
      filename: "big.bin",
      contentType: "application/octet-stream",
      size,
      sha256: sha256Hex(data),
    });
    expect(json.upload.method).toBe("multipart");
    expect(json.upload.partCount).toBe(3);
    const upload = json.upload as {
      parts: { partNumber: number; url: string; size: number }[];
      partSize: number;
    };
    const sendPart = async (n: number, url: string) => {
      const body = data.subarray((n - 1) * upload.partSize, Math.min(size, n * upload.partSize));
      const res = await fetch(url, { method: "PUT", body });
      expect(res.status).toBe(200);
      return { partNumber: n, etag: res.headers.get("etag")! };
    };
    const first = await sendPart(1, upload.parts[0]!.url);
    // The client "crashes"; on resume it asks which parts S3 has and signs the rest again.
    const listed = (await (await t.call("GET", `/v1/uploads/${json.id}/parts`)).json()) as any;
    expect(listed.parts.map((p: any) => p.partNumber)).toEqual([1]);
    const resigned = (await (
      await t.call("POST", `/v1/uploads/${json.id}/parts`, { partNumbers: [2, 3] })
    ).json()) as any;
    const rest = await Promise.all(resigned.parts.map((p: any) => sendPart(p.partNumber, p.url)));
    const missingParts = await t.call("POST", `/v1/uploads/${json.id}/complete`, {});
    expect(missingParts.status).toBe(400);
    const done = await t.call("POST", `/v1/uploads/${json.id}/complete`, { parts: [first, ...rest] });
    expect(done.status).toBe(200);
    expect(((await done.json()) as any).status).toBe("queued");
    expect((await jobRow(json.id)).content_sha256).toBe(sha256Hex(data));
  });

  it("rejects a part larger than planned (its length is signed)", async () => {
    const { json } = await create({
      filename: "p.bin",
      contentType: "application/octet-stream",
      size: 7 * MiB,
    });
    const res = await fetch(json.upload.parts[1].url, { method: "PUT", body: new Uint8Array(3 * MiB) });
    expect(res.status).toBe(403);
  });

  it("DELETE aborts the multipart upload and cancels the job", async () => {
    const { json } = await create({
      filename: "c.bin",
      contentType: "application/octet-stream",
      size: 7 * MiB,
    });
    await fetch(json.upload.parts[0].url, { method: "PUT", body: new Uint8Array(5 * MiB) });
    const res = await t.call("DELETE", `/v1/uploads/${json.id}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).status).toBe("cancelled");
    const uploads = await ctx.s3.send(
      new ListMultipartUploadsCommand({
        Bucket: ctx.config.s3.bucket,
        Prefix: `uploads/default/${json.id}/`,
      }),
    );
    expect(uploads.Uploads ?? []).toHaveLength(0);
    expect(await events(json.id, "cancelled")).toHaveLength(1);
    const again = await t.call("DELETE", `/v1/uploads/${json.id}`);
    expect(again.status).toBe(409);
  });
});

describe("idempotency", () => {
  it("returns the same job and a fresh URL for a replayed key, even when 20 replays race", async () => {
    const body = { filename: "i.txt", contentType: "text/plain", size: 4 };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => create(body, { headers: { "idempotency-key": "key-1" } })),
    );
    const ids = new Set(results.map((r) => r.json.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.res.status === 201)).toHaveLength(1);
    const rows = await ctx.db
      .selectFrom("jobs")
      .select("id")
      .where("idempotency_key", "=", "key-1")
      .execute();
    expect(rows).toHaveLength(1);
    expect(results.every((r) => typeof r.json.upload.url === "string")).toBe(true);
    // The field form of the key names the same job.
    const viaField = await create({ ...body, idempotencyKey: "key-1" });
    expect(viaField.json.id).toBe([...ids][0]);
  });

  it("refuses a key reused for a different upload", async () => {
    await create({ filename: "x.txt", contentType: "text/plain", size: 4, idempotencyKey: "key-2" });
    const { res, json } = await create({
      filename: "y.txt",
      contentType: "text/plain",
      size: 4,
      idempotencyKey: "key-2",
    });
    expect(res.status).toBe(409);
    expect(json.code).toBe("idempotency_key_reused");
  });

  it("keeps keys per tenant", async () => {
    const a = await create({
      filename: "t.txt",
      contentType: "text/plain",
      size: 1,
      idempotencyKey: "shared",
    });
    const b = await create(
      { filename: "t.txt", contentType: "text/plain", size: 1, idempotencyKey: "shared" },
      { key: OTHER_TENANT_KEY },
    );
    expect(a.res.status).toBe(201);
    expect(b.res.status).toBe(201);
    expect(a.json.id).not.toBe(b.json.id);
  });
});

describe("auth and bad input", () => {
  it("answers 401 problem+json for a missing, malformed or unknown key", async () => {
    for (const opts of [
      { key: null },
      { key: "nope-not-a-key" },
      { key: null, headers: { authorization: "Basic abc" } },
    ]) {
      const res = await t.call(
        "POST",
        "/v1/uploads",
        { filename: "a", contentType: "text/plain", size: 1 },
        opts,
      );
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).code).toBe("unauthorized");
    }
  });

  it("hides another tenant's job behind 404", async () => {
    const { json } = await create({ filename: "mine.txt", contentType: "text/plain", size: 1 });
    for (const [method, path] of [
      ["GET", `/v1/jobs/${json.id}`],
      ["POST", `/v1/uploads/${json.id}/complete`],
      ["DELETE", `/v1/uploads/${json.id}`],
    ] as const) {
      const res = await t.call(method, path, undefined, { key: OTHER_TENANT_KEY });
      expect(res.status).toBe(404);
      expect(((await res.json()) as any).code).toBe("not_found");
    }
    expect((await t.call("GET", "/v1/jobs/not-a-uuid")).status).toBe(404);
  });

  it.each([
    ["malformed JSON", "{not json", 400, "malformed_json", undefined],
    ["missing field", { contentType: "text/plain", size: 1 }, 400, "invalid_body", "filename"],
    ["negative size", { filename: "a", contentType: "text/plain", size: -1 }, 400, "invalid_body", "size"],
    ["fractional size", { filename: "a", contentType: "text/plain", size: 1.5 }, 400, "invalid_body", "size"],
    ["string size", { filename: "a", contentType: "text/plain", size: "10" }, 400, "invalid_body", "size"],
    [
      "bad content type",
      { filename: "a", contentType: "nonsense", size: 1 },
      400,
      "invalid_body",
      "contentType",
    ],
    [
      "bad sha256",
      { filename: "a", contentType: "text/plain", size: 1, sha256: "zz" },
      400,
      "invalid_body",
      "sha256",
    ],
    [
      "NUL in filename",
      { filename: "a\u0000b", contentType: "text/plain", size: 1 },
      400,
      "invalid_body",
      "filename",
    ],
    [
      "10 KB filename",
      { filename: "x".repeat(10_240), contentType: "text/plain", size: 1 },
      400,
      "invalid_body",
      "filename",
    ],
    [
      "unknown field",
      { filename: "a", contentType: "text/plain", size: 1, key: "uploads/evil" },
      400,
      "invalid_body",
      "(body)",
    ],
    [
      "enormous size",
      { filename: "a", contentType: "text/plain", size: 1e15 },
      413,
      "file_too_large",
      undefined,
    ],
    ["array body", [1, 2], 400, "invalid_body", "(body)"],
    [
      "20 MB body",
      { filename: "a", contentType: "text/plain", size: 1, metadata: { pad: "x".repeat(20_000_000) } },
      413,
      "body_too_large",
      undefined,
    ],
    [
      "100 KB metadata",
      { filename: "a", contentType: "text/plain", size: 1, metadata: { pad: "x".repeat(30_000) } },
      400,
      "invalid_body",
      "metadata",
    ],
  ])("%s → %i %s", async (_name, body, status, code, field) => {
    const { res, json } = await create(body as Record<string, unknown>);
    expect(res.status).toBe(status);
    expect(json.code).toBe(code);
    if (field) expect(json.field).toBe(field);
  });
});
