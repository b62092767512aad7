import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { tenantForApiKey } from "../auth/api-keys.js";
import { verifyUploadToken } from "../auth/upload-token.js";
import type { Db } from "../db/database.js";
import { ApiError } from "./problem.js";

// Every way a request proves who it is, in one place: an API key as a bearer (every /v1 route),
// the same key as `?access_token=` (only the event stream: a browser's EventSource cannot send
// headers), an upload token from POST /s3/token (the Companion routes, as bearer or cookie),
// and the storage webhook's shared token. Routers that share a prefix (jobs and the event
// stream) attach these per route, not with a blanket `.use`, so which router is mounted first
// never decides how a route authenticates.

export type AuthEnv = { Variables: { tenant: string } };

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(c: Context): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  return m ? m[1]! : null;
}

const unauthorized = (detail: string) => new ApiError(401, "unauthorized", detail);

/**
 * Resolves `Authorization: Bearer <key>` to a tenant, or answers 401. With `accessToken`, a
 * request without the header may pass the key as `?access_token=`; intake's request log leaves
 * query strings out, but prefer the header wherever the client can send one.
 */
export function requireApiKey(db: Db, opts: { accessToken?: boolean } = {}) {
  return createMiddleware<AuthEnv>(async function apiKeyAuth(c, next) {
    const header = c.req.header("authorization");
    const key =
      header !== undefined || !opts.accessToken ? bearerToken(c) : (c.req.query("access_token") ?? null);
    if (!key) {
      throw unauthorized(
        `missing Authorization: Bearer <api key>${opts.accessToken ? " (or ?access_token=)" : ""}`,
      );
    }
    const tenant = await tenantForApiKey(db, key);
    if (!tenant) throw unauthorized("unknown or revoked API key");
    c.set("tenant", tenant);
    await next();
  });
}

/**
 * An upload token (`ut1.…`, bearer or the `cookie` cookie) or a plain API key as bearer, for
 * the Companion routes. `onMissing` makes the 401 in the caller's error shape.
 */
export function requireUploadCredential(
  db: Db,
  secret: Buffer,
  cookie: string,
  onMissing: (detail: string) => Error,
) {
  return createMiddleware<AuthEnv>(async function uploadCredentialAuth(c, next) {
    const token = bearerToken(c) ?? getCookie(c, cookie);
    const tenant = token?.startsWith("ut1.")
      ? verifyUploadToken(secret, token)
      : token
        ? await tenantForApiKey(db, token)
        : null;
    if (!tenant) throw onMissing("missing, expired or unknown upload token");
    c.set("tenant", tenant);
    await next();
  });
}

/** Checks a shared bearer token in constant time (the storage webhook's). */
export function requireToken(token: string | undefined, name = "webhook token") {
  return createMiddleware(async function tokenAuth(c, next) {
    if (!hasToken(c, token)) throw unauthorized(`missing or wrong ${name}`);
    await next();
  });
}

/** Whether the request carries `token` as its bearer, compared in constant time. */
export function hasToken(c: Context, token: string | undefined): boolean {
  // Compare digests: equal-length strings with non-ASCII characters have unequal byte
  // lengths, which timingSafeEqual answers with a RangeError (a 500), and a length check
  // would leak the token's length.
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  const given = bearerToken(c);
  return token !== undefined && given !== null && timingSafeEqual(digest(given), digest(token));
}
