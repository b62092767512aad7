import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { DevObjectStore } from "./store.js";
import { parseCompleteParts, s3Error, xml } from "./xml.js";

const XML = { "content-type": "application/xml" };

function fail(c: Context, status: 400 | 403 | 404 | 409 | 412, code: string, message: string) {
  return c.body(s3Error(code, message), status, XML);
}

/** A presigned URL's expiry is checked (cheap and catches stale URLs); its signature is not. */
function expired(url: URL): boolean {
  const date = url.searchParams.get("X-Amz-Date");
  const expires = Number(url.searchParams.get("X-Amz-Expires"));
  if (!date || !expires) return false;
  const signedAt = Date.parse(
    date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"),
  );
  return Date.now() > signedAt + expires * 1000;
}

/**
 * A development S3 server: the subset of the S3 API intake uses (buckets, objects, form POST,
 * multipart), path-style, files on disk. It does NOT verify signatures or most policy
 * conditions (it does check URL expiry and a POST policy's content-length-range): never expose
 * it. intake uses it only when no S3_ENDPOINT is set and MinIO has not been built.
 */
export function createDevS3App(store: DevObjectStore) {
  // The SDK addresses buckets as `/bucket/`; non-strict routing treats that as `/bucket`.
  const app = new Hono({ strict: false });
  app.use(async (c, next) => {
    if (expired(new URL(c.req.url))) return fail(c, 403, "AccessDenied", "Request has expired");
    await next();
  });
  app.on(["HEAD", "GET"], "/:bucket", async (c) => {
    const bucket = c.req.param("bucket");
    if (!(await store.hasBucket(bucket))) return c.body(null, 404);
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
    if (!key || !(file instanceof Blob)) return fail(c, 400, "InvalidArgument", "key and file are required");
    const policy = JSON.parse(
      Buffer.from(String(form.get("Policy") ?? form.get("policy") ?? "e30="), "base64").toString(),
    );
    const range = (policy.conditions ?? []).find(
      (x: unknown) => Array.isArray(x) && x[0] === "content-length-range",
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
    const body = new Uint8Array(await c.req.arrayBuffer());
    const uploadId = c.req.query("uploadId");
    if (uploadId) {
      if (!(await store.upload(bucket, uploadId))) return fail(c, 404, "NoSuchUpload", "no such upload");
      const etag = await store.putPart(bucket, uploadId, Number(c.req.query("partNumber")), body);
      return c.body(null, 200, { etag });
    }
    const checksum = c.req.header("x-amz-checksum-sha256") ?? null;
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

export async function startDevS3(props: { port: number; dataDir: string }) {
  const app = createDevS3App(new DevObjectStore(props.dataDir));
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
