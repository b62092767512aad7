import { type Context, Hono } from "hono";
import { setCookie } from "hono/cookie";
import { signUploadToken, uploadTokenSecret } from "../../auth/upload-token.js";
import type { JobRow } from "../../db/schema.js";
import { findJob } from "../../db/sql/find-job.js";
import { parseObjectKey } from "../../storage/object-key.js";
import { createUploadBody } from "../../uploads/schemas.js";
import * as uploads from "../../uploads/service.js";
import { type AuthEnv, requireApiKey, requireUploadCredential } from "../auth.js";
import { validationError } from "../body.js";
import { limitBody } from "../body-limit.js";
import type { AppDeps } from "../deps.js";
import { ApiError } from "../problem.js";

/** Upload tokens live one hour: long enough for a big upload, short enough to be worth little if leaked. */
const TOKEN_TTL_SECONDS = 3600;
const COOKIE = "intake_upload_token";
/**
 * S3 refuses parts under 5 MiB except the last, so no upload that can complete has more than
 * ⌈size / 5 MiB⌉ parts (Uppy's own chunk size is max(5 MiB, ⌈size / 10 000⌉)); signing or
 * listing more only lets a client multiply storage and signing work.
 */
const MIN_PART_BYTES = 5 * 1024 * 1024;
/** The Companion bodies (an upload's metadata, a part list of up to 10 000 entries) fit in 1 MiB. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Companion-compatible S3 signing routes (mount at `/s3`) so that stock `@uppy/aws-s3` with
 * `companionEndpoint` uploads through intake: every upload is a job made by the same service
 * functions as `POST /v1/uploads`, and the object key is still chosen by the server.
 *
 * Auth: the plugin sends no Authorization header (v6 removed its `headers` option), but its
 * same-origin requests carry cookies. `POST /s3/token`, called with the API key, mints an
 * HMAC-signed token naming the tenant, the key that minted it and an expiry (it stops working
 * when that key is revoked), and sets it as an HttpOnly, SameSite=Strict
 * cookie scoped to /s3; it is also returned for clients that can send `Authorization: Bearer
 * <token>`. The routes also take a plain API key as bearer. Errors are problem+json with an
 * added `error` field, Companion's error shape.
 */
export function companionRoutes(deps: AppDeps) {
  const secret = uploadTokenSecret(deps.config, deps.logger);
  const auth = requireUploadCredential(deps.db, secret, COOKIE, (detail: string) =>
    companionError(401, "unauthorized", detail),
  );
  const jobOf = async (c: Context<AuthEnv>) => {
    const key = c.req.query("key") ?? "";
    const owner = parseObjectKey(key);
    const job = owner && (await findJob(deps.db, c.get("tenant"), owner.jobId));
    if (!job || job.object_key !== key || job.multipart_upload_id !== c.req.param("uploadId")) {
      throw companionError(404, "not_found", "no such upload; pass the key that POST /s3/multipart returned");
    }
    return job;
  };
  const json = async (c: Context<AuthEnv>): Promise<Record<string, unknown>> => {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw companionError(415, "unsupported_media_type", "send the body as application/json");
    }
    const body: unknown = await c.req.json().catch(() => {
      throw companionError(400, "malformed_json", "request body is not valid JSON");
    });
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw companionError(400, "invalid_body", "the body must be a JSON object");
    }
    return body as Record<string, unknown>;
  };
  const create = async (c: Context<AuthEnv>, raw: Record<string, unknown>, method?: "POST") => {
    const metadata = (raw.metadata ?? {}) as Record<string, unknown>;
    const parsed = createUploadBody.safeParse({
      filename: String(metadata.name ?? raw.filename ?? ""),
      contentType: String(raw.type || "application/octet-stream"),
      size: Number(metadata.size ?? Number.NaN),
      metadata,
      ...(method ? { method } : {}),
    });
    if (!parsed.success) {
      const { detail, extra } = validationError("invalid_body", parsed.error, "(body)");
      const hint = extra.field === "size" ? " (set the file's size as Uppy metadata `size`)" : "";
      throw companionError(400, "invalid_body", `${detail}${hint}`);
    }
    return uploads.createUpload(deps, c.get("tenant"), parsed.data);
  };

  return new Hono<AuthEnv>()
    .post("/token", requireApiKey(deps.db), (c) => {
      const expires = Math.floor(Date.now() / 1000) + TOKEN_TTL_SECONDS;
      const token = signUploadToken(secret, c.get("tenant"), c.get("keyId"), expires);
      const secure = cookieSecure(c, deps.config.trustForwardedProto);
      setCookie(c, COOKIE, token, {
        httpOnly: true,
        sameSite: "Strict",
        path: "/s3",
        maxAge: TOKEN_TTL_SECONDS,
        secure,
      });
      return c.json({ token, expiresAt: new Date(expires * 1000).toISOString() });
    })
    .use(auth)
    .use(limitBody(MAX_BODY_BYTES))
    .get("/params", async (c) => {
      const metadata: Record<string, string> = {};
      for (const [k, v] of new URL(c.req.url).searchParams) {
        const m = /^metadata\[(.+)\]$/.exec(k);
        if (m) metadata[m[1]!] = v;
      }
      const { job, upload } = await create(
        c,
        { filename: c.req.query("filename"), type: c.req.query("type"), metadata },
        "POST",
      );
      if (upload?.method !== "POST") {
        throw companionError(
          400,
          "use_multipart",
          `${job.size} bytes is above the multipart threshold; use multipart`,
        );
      }
      return c.json({
        method: "POST",
        url: upload.url,
        fields: upload.fields,
        expires: uploads.urlLifetime(deps, job),
      });
    })
    .post("/multipart", async (c) => {
      const { job, upload } = await create(c, await json(c));
      if (upload?.method !== "multipart") {
        const min = deps.config.uploads.multipartThresholdBytes;
        throw companionError(
          400,
          "use_single_upload",
          `files under ${min} bytes upload in one request, not multipart`,
        );
      }
      return c.json({ key: job.object_key, uploadId: upload.uploadId, bucket: deps.store.bucket });
    })
    .get("/multipart/:uploadId", async (c) => {
      const parts = await uploads.listUploadedParts(deps, await jobOf(c));
      return c.json(parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, Size: p.size })));
    })
    .get("/multipart/:uploadId/batch", async (c) => {
      const job = await jobOf(c);
      const numbers = [...new Set((c.req.query("partNumbers") ?? "").split(",").map(partNumberOf))];
      if (numbers.length > 1000) {
        throw companionError(400, "invalid_part_number", "sign at most 1000 parts per request");
      }
      const urls = await Promise.all(numbers.map((n) => signPart(deps, job, n)));
      return c.json({ presignedUrls: Object.fromEntries(numbers.map((n, i) => [n, urls[i]])) });
    })
    .get("/multipart/:uploadId/:partNumber", async (c) => {
      const job = await jobOf(c);
      const url = await signPart(deps, job, partNumberOf(c.req.param("partNumber")));
      return c.json({ url, expires: uploads.urlLifetime(deps, job) });
    })
    .post("/multipart/:uploadId/complete", async (c) => {
      const job = await jobOf(c);
      const body = await json(c);
      const list: unknown[] = Array.isArray(body.parts) ? body.parts : [];
      const max = maxParts(job);
      if (list.length > max) {
        throw companionError(
          400,
          "invalid_parts",
          `parts: a ${job.size}-byte upload has at most ${max} parts`,
        );
      }
      const parts = list.map((p) => {
        const { PartNumber, ETag } = (p ?? {}) as { PartNumber?: unknown; ETag?: unknown };
        return { partNumber: Number(PartNumber), etag: typeof ETag === "string" ? ETag : "" };
      });
      if (
        parts.length === 0 ||
        parts.some((p) => !Number.isInteger(p.partNumber) || p.etag === "" || p.etag.length > 256)
      ) {
        throw companionError(400, "invalid_body", "parts: must be an array of {PartNumber, ETag}");
      }
      if (job.status === "awaiting_upload") await uploads.assembleMultipart(deps, job, parts);
      const bucket = deps.store.bucket;
      const result = await uploads.completeFrom(deps, job, "callback");
      if (result.outcome === "mismatch")
        throw companionError(422, result.code, `${result.detail}; upload it again`);
      if (result.outcome === "missing" || result.outcome === "not_awaiting") {
        throw companionError(
          409,
          "upload_not_completed",
          `the upload could not complete (${result.outcome})`,
        );
      }
      const location = new URL(
        `${encodeURIComponent(bucket)}/${job.object_key}`,
        `${deps.config.s3.publicEndpoint ?? deps.config.s3.endpoint ?? "https://s3.amazonaws.com"}/`,
      );
      return c.json({ location: location.href, key: job.object_key, bucket, jobId: job.id });
    })
    .delete("/multipart/:uploadId", async (c) => {
      const job = await jobOf(c);
      await uploads.endAwaitingUpload(deps, job, "cancelled", "upload aborted by the client");
      return c.json({});
    });
}

/**
 * A part URL without its length signed: Uppy picks its own chunk size (⌈size/10 000⌉, at least
 * 5 MiB), which intake is never told. The declared total size is still enforced: completion
 * HEADs the assembled object and deletes it on a size mismatch.
 */
function signPart(deps: AppDeps, job: JobRow, partNumber: number) {
  if (job.status !== "awaiting_upload")
    throw companionError(409, "upload_not_awaiting", `the job is ${job.status}`);
  const max = maxParts(job);
  if (partNumber > max) {
    throw companionError(400, "invalid_part_number", `a ${job.size}-byte upload has at most ${max} parts`);
  }
  return uploads.signPartOfAnySize(deps, job, partNumber);
}

/**
 * `Secure` unless the request is plain http to this machine (`intake start` on localhost): a
 * token sent in clear over a network is a leaked token. Behind a TLS-terminating proxy the
 * request reaches intake as http, so with INTAKE_TRUST_FORWARDED_PROTO its X-Forwarded-Proto
 * decides the scheme.
 */
export function cookieSecure(c: Context, trustForwardedProto: boolean): boolean {
  const url = new URL(c.req.url);
  const forwarded = trustForwardedProto
    ? c.req.header("x-forwarded-proto")?.split(",")[0]?.trim()
    : undefined;
  const scheme = forwarded ? `${forwarded.toLowerCase()}:` : url.protocol;
  const local =
    ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) || url.hostname.endsWith(".localhost");
  return !(scheme === "http:" && local);
}

function maxParts(job: JobRow): number {
  return Math.min(10_000, Math.max(1, Math.ceil(Number(job.size) / MIN_PART_BYTES)));
}

function partNumberOf(raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw companionError(400, "invalid_part_number", "the part number must be 1 to 10000");
  return n;
}

const companionError = (status: 400 | 401 | 404 | 409 | 415 | 422, code: string, detail: string) =>
  new ApiError(status, code, detail, { error: detail });
