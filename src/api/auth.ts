import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { authenticateApiKey, tenantForLiveKeyId } from "../auth/api-keys.js";
import { isUploadToken, verifyUploadToken } from "../auth/upload-token.js";
import type { Db } from "../db/database.js";
import { ApiError } from "./problem.js";

// Every way a request proves who it is, in one place: an API key as a bearer (every /v1 route),
// the same key or a token minted with it as `?access_token=` (only the event stream: a
// browser's EventSource cannot send headers), an upload token from POST /s3/token (the
// Companion routes, as bearer or cookie), and the storage webhook's shared token. Routers that
// share a prefix (jobs and the event stream) attach these per route, not with a blanket `.use`,
// so which router is mounted first never decides how a route authenticates.
//
// Nothing here is cached: a key is looked up on every request and a minted token's key is
// checked on every use, so a revoke (any instance, the CLI) answers 401 on the next request.

/** `keyId` is the key that authenticated the request, directly or through a token it minted. */
export type AuthEnv = { Variables: { tenant: string; keyId: string } };

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(c: Context): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  return m ? m[1]! : null;
}

const unauthorized = (detail: string) => new ApiError(401, "unauthorized", detail);

/**
 * The tenant and key behind an API key or (with `tokenSecret`) a token minted with a key that
 * is still live; null for anything unknown, expired or revoked.
 */
async function resolveCredential(
  db: Db,
  credential: string,
  tokenSecret: Buffer | undefined,
): Promise<{ tenant: string; keyId: string } | null> {
  if (!isUploadToken(credential)) return authenticateApiKey(db, credential);
  const token = tokenSecret && verifyUploadToken(tokenSecret, credential);
  if (!token) return null;
  return (await tenantForLiveKeyId(db, token.keyId)) === token.tenant ? token : null;
}

/**
 * Resolves `Authorization: Bearer <key>` to a tenant, or answers 401. With `accessToken`, a
 * request without the header may pass the key, or a token from POST /s3/token when
 * `tokenSecret` is given, as `?access_token=`; intake's request log leaves query strings out,
 * but prefer the header wherever the client can send one.
 */
export function requireApiKey(db: Db, opts: { accessToken?: boolean; tokenSecret?: Buffer } = {}) {
  return createMiddleware<AuthEnv>(async function apiKeyAuth(c, next) {
    const header = c.req.header("authorization");
    const fromQuery = header === undefined && opts.accessToken === true;
    const key = fromQuery ? (c.req.query("access_token") ?? null) : bearerToken(c);
    if (!key) {
      throw unauthorized(
        `missing Authorization: Bearer <api key>${opts.accessToken ? " (or ?access_token=)" : ""}`,
      );
    }
    const found = await resolveCredential(db, key, fromQuery ? opts.tokenSecret : undefined);
    if (!found) {
      throw unauthorized(
        isUploadToken(key) ? "unknown, expired or revoked access token" : "unknown or revoked API key",
      );
    }
    c.set("tenant", found.tenant);
    c.set("keyId", found.keyId);
    await next();
  });
}

/**
 * An upload token (`ut2.…`, bearer or the `cookie` cookie) or a plain API key as bearer, for
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
    const found = token ? await resolveCredential(db, token, secret) : null;
    if (!found) throw onMissing("missing, expired or revoked upload token");
    c.set("tenant", found.tenant);
    c.set("keyId", found.keyId);
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
