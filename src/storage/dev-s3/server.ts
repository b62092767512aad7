import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { checksumMatches, decodeAwsChunked } from "./aws-chunked.js";
import { createSigV4Verifier, type DevS3Credentials } from "./sigv4.js";
import { DevObjectStore } from "./store.js";
import { parseCompleteParts, s3Error, xml } from "./xml.js";

const XML = { "content-type": "application/xml" };

function fail(c: Context, status: 400 | 403 | 404 | 409 | 412 | 501, code: string, message: string) {
  return c.body(s3Error(code, message), status, XML);
}

/**
 * Which condition of a POST policy the form breaks, or null: the expiration, and each `eq`,
 * `starts-with` and `{field: value}` condition on the form's fields and the bucket, as S3
 * enforces them (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html).
 * Without this a form could write any key or type the dev server's policy signer never allowed.
 */
export function policyViolation(
  policy: { expiration?: string; conditions?: unknown[] },
  bucket: string,
  form: FormData,
): string | null {
  if (!policy.expiration || !(Date.parse(policy.expiration) > Date.now())) return "Policy expired";
  const field = (name: string) => {
    const n = name.replace(/^\$/, "").toLowerCase();
    if (n === "bucket") return bucket;
    for (const [k, v] of form.entries()) if (k.toLowerCase() === n && typeof v === "string") return v;
    return "";
  };
  for (const condition of policy.conditions ?? []) {
    if (Array.isArray(condition)) {
      const [op, name, value] = condition as [string, string, unknown];
      if (op === "content-length-range") continue;
      if (op === "eq" && field(name) !== String(value)) return `Policy Condition failed: ${name}`;
      if (op === "starts-with" && !field(name).startsWith(String(value))) {
        return `Policy Condition failed: ${name}`;
      }
    } else if (condition && typeof condition === "object") {
      for (const [name, value] of Object.entries(condition)) {
        if (field(name) !== String(value)) return `Policy Condition failed: ${name}`;
      }
    }
  }
  return null;
}

/**
 * A development S3 server: the subset of the S3 API intake uses (buckets, objects, form POST,
 * multipart), path-style, files on disk. Every request must be signed with `credentials` (SigV4
 * in the Authorization header or a presigned URL, or a signed POST policy, whose conditions and
 * expiry are enforced too), so it is not an open bucket; it still listens on 127.0.0.1 only and
 * is not hardened for exposure. intake uses it only when no S3_ENDPOINT is set and MinIO has not
 * been built.
 */
export function createDevS3App(store: DevObjectStore, credentials: DevS3Credentials) {
  const auth = createSigV4Verifier(credentials);
  // The SDK addresses buckets as `/bucket/`; non-strict routing treats that as `/bucket`.
  const app = new Hono({ strict: false });
  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    let refused: Awaited<ReturnType<typeof auth.verifyQuery>>;
    if (c.req.header("authorization")) {
      refused = await auth.verifyHeader(c.req.raw, url, () => c.req.arrayBuffer());
    } else if (url.searchParams.has("X-Amz-Algorithm") || url.searchParams.has("X-Amz-Signature")) {
      refused = await auth.verifyQuery(c.req.raw, url);
    } else if (c.req.method === "POST" && /^\/[^/]+\/?$/.test(url.pathname)) {
      refused = null; // a form POST: its route checks the policy's signature
    } else if (c.req.method === "OPTIONS") {
      refused = null; // a CORS preflight never carries credentials
    } else {
      refused = { status: 403, code: "AccessDenied", message: "the request is not signed" };
    }
    if (refused) return fail(c, refused.status, refused.code, refused.message);
    await next();
  });
  app.on(["HEAD", "GET"], "/:bucket", async (c) => {
    const bucket = c.req.param("bucket");
    if (!(await store.hasBucket(bucket))) return c.body(null, 404);
    if (c.req.query("list-type") === "2") {
      // ListObjectsV2, enough for the orphan sweep: prefix, start-after and max-keys.
      const prefix = c.req.query("prefix") ?? "";
      const after = c.req.query("start-after") ?? "";
      const max = Math.min(Number(c.req.query("max-keys") ?? 1000) || 1000, 1000);
      const keys = (await store.listKeys(bucket)).filter((k) => k.key.startsWith(prefix) && k.key > after);
      const page = keys.slice(0, max);
      return c.body(
        xml("ListBucketResult", {
          Name: bucket,
          Prefix: prefix,
          KeyCount: page.length,
          MaxKeys: max,
          IsTruncated: keys.length > max,
          Contents: page.map((k) => ({
            Key: k.key,
            LastModified: new Date(k.lastModified).toISOString(),
            Size: k.size,
            ETag: k.etag,
          })),
        }),
        200,
        XML,
      );
    }
    if (c.req.query("uploads") === undefined) return c.body(null, 200);
    const uploads = await store.listUploads(bucket);
    return c.body(
      xml("ListMultipartUploadsResult", {
        Bucket: bucket,
        Upload: uploads.map((u) => ({ Key: u.key, UploadId: u.uploadId })),
      }),
      200,
      XML,
    );
  });
  // Bucket configuration (CORS, lifecycle, notifications) is accepted and ignored.
  app.put("/:bucket", async (c) => {
    await store.createBucket(c.req.param("bucket"));
    return c.body(null, 200);
  });
  app.post("/:bucket", async (c) => {
    const form = await c.req.formData();
    const key = String(form.get("key") ?? "");
    const file = form.get("file");
    const encoded = form.get("Policy") ?? form.get("policy");
    if (typeof encoded !== "string") return fail(c, 403, "AccessDenied", "a form POST needs a policy");
    // Authentication before anything else, so an unsigned form learns nothing about the server.
    const unsigned = await auth.verifyPolicy(form, encoded);
    if (unsigned) return fail(c, unsigned.status, unsigned.code, unsigned.message);
    if (!key || !(file instanceof Blob)) return fail(c, 400, "InvalidArgument", "key and file are required");
    let policy: { expiration?: string; conditions?: unknown[] };
    try {
      policy = JSON.parse(Buffer.from(encoded, "base64").toString());
    } catch {
      return fail(c, 400, "InvalidPolicyDocument", "the policy is not base64 JSON");
    }
    const refused = policyViolation(policy, c.req.param("bucket"), form);
    if (refused) return fail(c, 403, "AccessDenied", `Invalid according to Policy: ${refused}`);
    const range = (policy.conditions ?? []).find(
      (x: unknown): x is [string, number, number] => Array.isArray(x) && x[0] === "content-length-range",
    );
    if (range && (file.size < range[1] || file.size > range[2])) {
      return fail(
        c,
        400,
        file.size > range[2] ? "EntityTooLarge" : "EntityTooSmall",
        "size outside content-length-range",
      );
    }
    const type = String(form.get("Content-Type") ?? "application/octet-stream");
    await store.put(c.req.param("bucket"), key, new Uint8Array(await file.arrayBuffer()), type, null);
    return c.body(null, 204);
  });
  app.on(["HEAD", "GET"], "/:bucket/:key{.+}", async (c) => {
    const { bucket, key } = c.req.param();
    const uploadId = c.req.query("uploadId");
    if (uploadId) {
      if (!(await store.upload(bucket, uploadId))) return fail(c, 404, "NoSuchUpload", "no such upload");
      const parts = await store.listParts(bucket, uploadId);
      const Part = parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, Size: p.size }));
      return c.body(
        xml("ListPartsResult", { Bucket: bucket, Key: key, UploadId: uploadId, IsTruncated: false, Part }),
        200,
        XML,
      );
    }
    const meta = await store.head(bucket, key);
    if (!meta) return c.req.method === "HEAD" ? c.body(null, 404) : fail(c, 404, "NoSuchKey", "no such key");
    const ifMatch = c.req.header("if-match");
    if (ifMatch && ifMatch !== meta.etag) return fail(c, 412, "PreconditionFailed", "ETag does not match");
    const headers: Record<string, string> = {
      "content-type": meta.contentType,
      "content-length": String(meta.size),
      etag: meta.etag,
      "last-modified": meta.lastModified,
    };
    if (meta.checksumSha256)
      Object.assign(headers, {
        "x-amz-checksum-sha256": meta.checksumSha256,
        "x-amz-checksum-type": "FULL_OBJECT",
      });
    if (c.req.method === "HEAD") return c.body(null, 200, headers);
    return new Response(Readable.toWeb(store.read(bucket, key)) as ReadableStream, { status: 200, headers });
  });
  app.put("/:bucket/:key{.+}", async (c) => {
    const { bucket, key } = c.req.param();
    let body: Uint8Array = new Uint8Array(await c.req.arrayBuffer());
    let checksum = c.req.header("x-amz-checksum-sha256") ?? null;
    if (c.req.header("x-amz-content-sha256")?.startsWith("STREAMING-")) {
      const decoded = decodeAwsChunked(body);
      const length = c.req.header("x-amz-decoded-content-length");
      if (!decoded || (length !== undefined && Number(length) !== decoded.body.byteLength)) {
        return fail(c, 400, "IncompleteBody", "the aws-chunked body is malformed or of the wrong length");
      }
      for (const [name, value] of decoded.trailers) {
        if (!checksumMatches(name, value, decoded.body)) {
          return fail(c, 400, "XAmzContentChecksumMismatch", `the ${name} trailer does not match the body`);
        }
      }
      body = decoded.body;
      checksum = decoded.trailers.get("x-amz-checksum-sha256") ?? checksum;
    }
    const uploadId = c.req.query("uploadId");
    if (uploadId) {
      if (!(await store.upload(bucket, uploadId))) return fail(c, 404, "NoSuchUpload", "no such upload");
      const etag = await store.putPart(bucket, uploadId, Number(c.req.query("partNumber")), body);
      return c.body(null, 200, { etag });
    }
    if (checksum && createHash("sha256").update(body).digest("base64") !== checksum) {
      return fail(c, 400, "XAmzContentChecksumMismatch", "the x-amz-checksum-sha256 does not match the body");
    }
    const meta = await store.put(
      bucket,
      key,
      body,
      c.req.header("content-type") ?? "application/octet-stream",
      checksum,
    );
    return c.body(null, 200, { etag: meta.etag });
  });
  app.post("/:bucket/:key{.+}", async (c) => {
    const { bucket, key } = c.req.param();
    if (c.req.query("uploads") !== undefined) {
      const uploadId = await store.createUpload(
        bucket,
        key,
        c.req.header("content-type") ?? "application/octet-stream",
      );
      return c.body(
        xml("InitiateMultipartUploadResult", { Bucket: bucket, Key: key, UploadId: uploadId }),
        200,
        XML,
      );
    }
    const uploadId = c.req.query("uploadId") ?? "";
    const parts = parseCompleteParts(await c.req.text());
    const done = await store.completeUpload(
      bucket,
      uploadId,
      parts.map((p) => p.partNumber),
    );
    if (!done) return fail(c, 404, "NoSuchUpload", "no such upload");
    return c.body(
      xml("CompleteMultipartUploadResult", { Bucket: bucket, Key: key, ETag: done.meta.etag }),
      200,
      XML,
    );
  });
  app.delete("/:bucket/:key{.+}", async (c) => {
    const { bucket, key } = c.req.param();
    const uploadId = c.req.query("uploadId");
    if (uploadId) await store.abortUpload(bucket, uploadId);
    else await store.delete(bucket, key);
    return c.body(null, 204);
  });
  return app;
}

export async function startDevS3(props: { port: number; dataDir: string; credentials: DevS3Credentials }) {
  const app = createDevS3App(new DevObjectStore(props.dataDir), props.credentials);
  const server = serve({ fetch: app.fetch, port: props.port, hostname: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  return {
    endpoint: `http://127.0.0.1:${props.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
