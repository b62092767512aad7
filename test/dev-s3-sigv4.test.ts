import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevS3 } from "../src/storage/dev-s3/server.js";
import { createS3Client } from "../src/storage/s3-client.js";
import { freePort } from "./helpers/free-port.js";

const REGION = "us-east-1";
const KEY = "dev-key";
const SECRET = "dev-secret-0123456789";
const Bucket = "sigv4";
const MiB = 1024 * 1024;

let dev: Awaited<ReturnType<typeof startDevS3>>;
let s3: S3Client;

const client = (accessKeyId: string, secretAccessKey: string) =>
  createS3Client({ endpoint: dev.endpoint, region: REGION, accessKeyId, secretAccessKey });

/** The S3 error code of a refused SDK call, with its status. */
async function refusal(p: Promise<unknown>) {
  const err = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as { name: string; $metadata?: { httpStatusCode?: number } } | null;
  return err && `${err.$metadata?.httpStatusCode} ${err.name}`;
}

/** The status and S3 error code of a raw HTTP response. */
async function code(res: Response) {
  return `${res.status} ${/<Code>([^<]*)<\/Code>/.exec(await res.text())?.[1] ?? ""}`;
}

const exists = (Key: string) =>
  s3.send(new HeadObjectCommand({ Bucket, Key })).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  dev = await startDevS3({
    port: await freePort(),
    dataDir: await mkdtemp(path.join(os.tmpdir(), "intake-dev-s3-sigv4-")),
    credentials: { accessKeyId: KEY, secretAccessKey: SECRET, region: REGION },
  });
  s3 = client(KEY, SECRET);
  await s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  s3?.destroy();
  await dev?.stop();
});

describe("development S3 server: SigV4 with the right credentials", () => {
  it("puts, heads, gets, lists and deletes objects through a real S3Client", async () => {
    await s3.send(
      new PutObjectCommand({ Bucket, Key: "ops/a b+c.txt", Body: "hello", ContentType: "text/plain" }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "ops/a b+c.txt" }));
    expect(head.ContentLength).toBe(5);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: "ops/a b+c.txt" }));
    expect(await got.Body!.transformToString()).toBe("hello");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "ops/" }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(["ops/a b+c.txt"]);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: "ops/a b+c.txt" }));
    expect(await exists("ops/a b+c.txt")).toBe(false);
  });

  it("stores a streamed body the SDK's default checksums send as aws-chunked with a CRC32 trailer", async () => {
    // S3Client's defaults (WHEN_SUPPORTED), not intake's: STREAMING-UNSIGNED-PAYLOAD-TRAILER.
    const sdkDefaults = new S3Client({
      endpoint: dev.endpoint,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
    });
    const body = Buffer.from("streamed through aws-chunked");
    await sdkDefaults.send(
      new PutObjectCommand({
        Bucket,
        Key: "chunked",
        Body: Readable.from([body]),
        ContentLength: body.length,
      }),
    );
    sdkDefaults.destroy();
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: "chunked" }));
    expect(await got.Body!.transformToString()).toBe(body.toString());
  });

  it("creates, uploads, lists, completes and aborts multipart uploads", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "mp" }));
    const parts = [new Uint8Array(5 * MiB).fill(1), new Uint8Array(3).fill(2)];
    const etags = [];
    for (const [i, Body] of parts.entries()) {
      const r = await s3.send(
        new UploadPartCommand({ Bucket, Key: "mp", UploadId, PartNumber: i + 1, Body }),
      );
      etags.push({ PartNumber: i + 1, ETag: r.ETag });
    }
    const listed = await s3.send(new ListPartsCommand({ Bucket, Key: "mp", UploadId }));
    expect(listed.Parts?.map((p) => p.PartNumber)).toEqual([1, 2]);
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket, Key: "mp", UploadId, MultipartUpload: { Parts: etags } }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: "mp" }))).ContentLength).toBe(5 * MiB + 3);

    const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "mp2" }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: "mp2", UploadId: aborted.UploadId }));
    expect(
      await refusal(s3.send(new ListPartsCommand({ Bucket, Key: "mp2", UploadId: aborted.UploadId }))),
    ).toBe("404 NoSuchUpload");
  });

  it("accepts presigned PUT and GET URLs and a presigned POST", async () => {
    const put = await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: "presigned" }), { expiresIn: 60 });
    expect((await fetch(put, { method: "PUT", body: "via url" })).status).toBe(200);
    const get = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: "presigned" }), { expiresIn: 60 });
    const res = await fetch(get);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("via url");

    const post = await createPresignedPost(s3, { Bucket, Key: "posted", Expires: 60 });
    const form = new FormData();
    for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
    form.append("file", new Blob(["via form"]));
    expect((await fetch(post.url, { method: "POST", body: form })).status).toBe(204);
    const posted = await s3.send(new GetObjectCommand({ Bucket, Key: "posted" }));
    expect(await posted.Body!.transformToString()).toBe("via form");
  });
});

describe("development S3 server: refusals", () => {
  it("refuses a client with a wrong secret or an unknown access key", async () => {
    const wrongSecret = client(KEY, "not-the-secret");
    expect(await refusal(wrongSecret.send(new PutObjectCommand({ Bucket, Key: "w", Body: "x" })))).toBe(
      "403 SignatureDoesNotMatch",
    );
    expect(await refusal(wrongSecret.send(new GetObjectCommand({ Bucket, Key: "presigned" })))).toBe(
      "403 SignatureDoesNotMatch",
    );
    const wrongKey = client("someone-else", SECRET);
    expect(await refusal(wrongKey.send(new ListObjectsV2Command({ Bucket })))).toBe("403 InvalidAccessKeyId");
    expect(await refusal(wrongKey.send(new PutObjectCommand({ Bucket, Key: "w", Body: "x" })))).toBe(
      "403 InvalidAccessKeyId",
    );
    expect(await exists("w")).toBe(false);
  });

  it("refuses unsigned requests", async () => {
    expect(await code(await fetch(`${dev.endpoint}/${Bucket}/presigned`))).toBe("403 AccessDenied");
    expect(await code(await fetch(`${dev.endpoint}/${Bucket}/u`, { method: "PUT", body: "x" }))).toBe(
      "403 AccessDenied",
    );
    expect(await code(await fetch(`${dev.endpoint}/${Bucket}?list-type=2`))).toBe("403 AccessDenied");
    expect(await exists("u")).toBe(false);
  });

  it("refuses a request signed more than 15 minutes ago", async () => {
    const late = new S3Client({
      endpoint: dev.endpoint,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
      systemClockOffset: -3_600_000,
      maxAttempts: 1,
    });
    expect(await refusal(late.send(new GetObjectCommand({ Bucket, Key: "presigned" })))).toBe(
      "403 RequestTimeTooSkewed",
    );
    late.destroy();
  });

  it("refuses a presigned URL whose key, expiry or signature was changed", async () => {
    const url = new URL(
      await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: "signed" }), { expiresIn: 60 }),
    );
    const otherKey = new URL(url);
    otherKey.pathname = `/${Bucket}/other`;
    expect(await code(await fetch(otherKey, { method: "PUT", body: "x" }))).toBe("403 SignatureDoesNotMatch");
    const longer = new URL(url);
    longer.searchParams.set("X-Amz-Expires", "600");
    expect(await code(await fetch(longer, { method: "PUT", body: "x" }))).toBe("403 SignatureDoesNotMatch");
    const forged = new URL(url);
    const sig = url.searchParams.get("X-Amz-Signature")!;
    forged.searchParams.set("X-Amz-Signature", `${sig.slice(0, -1)}${sig.endsWith("0") ? "1" : "0"}`);
    expect(await code(await fetch(forged, { method: "PUT", body: "x" }))).toBe("403 SignatureDoesNotMatch");
    expect(await exists("other")).toBe(false);
    expect(await exists("signed")).toBe(false);
    // The untouched URL still works, so the refusals above were the tampering.
    expect((await fetch(url, { method: "PUT", body: "x" })).status).toBe(200);
  });

  it("refuses a form POST whose policy was changed after signing", async () => {
    const post = await createPresignedPost(s3, {
      Bucket,
      Key: "form/fixed",
      Conditions: [["content-length-range", 0, 10]],
      Expires: 60,
    });
    const policy = JSON.parse(Buffer.from(post.fields.Policy!, "base64").toString());
    policy.conditions = policy.conditions.map((c: unknown) =>
      Array.isArray(c) && c[0] === "content-length-range" ? ["content-length-range", 0, 1_000_000] : c,
    );
    const send = (fields: Record<string, string>, body: string) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append("file", new Blob([body]));
      return fetch(post.url, { method: "POST", body: form });
    };
    const altered = { ...post.fields, Policy: Buffer.from(JSON.stringify(policy)).toString("base64") };
    expect(await code(await send(altered, "x".repeat(100)))).toBe("403 SignatureDoesNotMatch");
    const otherKeyId = {
      ...post.fields,
      "X-Amz-Credential": post.fields["X-Amz-Credential"]!.replace(KEY, "someone-else"),
    };
    expect(await code(await send(otherKeyId, "x"))).toBe("403 InvalidAccessKeyId");
    expect(await exists("form/fixed")).toBe(false);
    expect((await send(post.fields, "x")).status).toBe(204);
  });

  it("refuses a correctly signed form POST whose policy has expired", async () => {
    const post = await createPresignedPost(s3, { Bucket, Key: "form/stale", Expires: -60 });
    const form = new FormData();
    for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
    form.append("file", new Blob(["x"]));
    expect(await code(await fetch(post.url, { method: "POST", body: form }))).toBe("403 AccessDenied");
    expect(await exists("form/stale")).toBe(false);
  });

  it("refuses a header-signed PUT whose body is not the one its x-amz-content-sha256 signed", async () => {
    const swapper = client(KEY, SECRET);
    // After signing (finalizeRequest), swap the body for another of the same length.
    swapper.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { body: unknown }).body = "HELLO";
        return next(args);
      },
      { step: "deserialize", name: "swapBodyAfterSigning" },
    );
    expect(await refusal(swapper.send(new PutObjectCommand({ Bucket, Key: "swapped", Body: "hello" })))).toBe(
      "400 XAmzContentSHA256Mismatch",
    );
    swapper.destroy();
    expect(await exists("swapped")).toBe(false);
  });

  it("refuses an aws-chunked body whose CRC32 trailer does not match it", async () => {
    const sdkDefaults = new S3Client({
      endpoint: dev.endpoint,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
      maxAttempts: 1,
    });
    // The payload is unsigned (STREAMING-UNSIGNED-PAYLOAD-TRAILER), so only the trailer guards it:
    // "HELLO" framed with the CRC32 of "hello".
    sdkDefaults.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { body: unknown }).body = "5\r\nHELLO\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n";
        return next(args);
      },
      { step: "deserialize", name: "swapChunkedBody" },
    );
    const send = sdkDefaults.send(
      new PutObjectCommand({
        Bucket,
        Key: "crc",
        Body: Readable.from([Buffer.from("hello")]),
        ContentLength: 5,
      }),
    );
    expect(await refusal(send)).toBe("400 XAmzContentChecksumMismatch");
    sdkDefaults.destroy();
    expect(await exists("crc")).toBe(false);
  });
});
