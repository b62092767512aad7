import { timingSafeEqual } from "node:crypto";
import { createMiddleware } from "hono/factory";
import { tenantForApiKey } from "../auth/api-keys.js";
import type { Db } from "../db/database.js";
import { ApiError } from "./problem.js";

export type AuthEnv = { Variables: { tenant: string } };

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1]! : null;
}

/** Resolves `Authorization: Bearer <key>` to a tenant, or answers 401 problem+json. */
export function requireApiKey(db: Db) {
  return createMiddleware<AuthEnv>(async function apiKeyAuth(c, next) {
    const key = bearer(c.req.header("authorization"));
    if (!key) throw new ApiError(401, "unauthorized", "missing Authorization: Bearer <api key>");
    const tenant = await tenantForApiKey(db, key);
    if (!tenant) throw new ApiError(401, "unauthorized", "unknown or revoked API key");
    c.set("tenant", tenant);
    await next();
  });
}

/** Checks a shared bearer token in constant time (the storage webhook's). */
export function requireToken(token: string | undefined) {
  return createMiddleware(async function tokenAuth(c, next) {
    const given = bearer(c.req.header("authorization")) ?? "";
    const ok =
      token !== undefined &&
      given.length === token.length &&
      timingSafeEqual(Buffer.from(given), Buffer.from(token));
    if (!ok) throw new ApiError(401, "unauthorized", "missing or wrong webhook token");
    await next();
  });
}
