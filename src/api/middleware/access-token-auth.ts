import { createMiddleware } from "hono/factory";
import { tenantForApiKey } from "../../auth/api-keys.js";
import type { Db } from "../../db/database.js";
import { type AuthEnv, requireApiKey } from "../auth.js";
import { ApiError } from "../problem.js";

/**
 * `Authorization: Bearer <key>` like every /v1 route, or, only where this is used (the event
 * stream), `?access_token=<key>`: a browser's EventSource cannot send headers. The query form
 * puts the key in URLs, so intake's request log leaves query strings out; prefer the header
 * wherever the client can send one.
 */
export function requireApiKeyOrAccessToken(db: Db) {
  const headerAuth = requireApiKey(db);
  return createMiddleware<AuthEnv>(async function apiKeyOrAccessTokenAuth(c, next) {
    if (c.req.header("authorization") !== undefined) return headerAuth(c, next);
    const token = c.req.query("access_token");
    if (!token) {
      throw new ApiError(401, "unauthorized", "missing Authorization: Bearer <api key> (or ?access_token=)");
    }
    const tenant = await tenantForApiKey(db, token);
    if (!tenant) throw new ApiError(401, "unauthorized", "unknown or revoked API key");
    c.set("tenant", tenant);
    await next();
  });
}
