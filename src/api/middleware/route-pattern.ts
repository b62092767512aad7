import type { Context } from "hono";

/**
 * The registered pattern of the handler that answered (`/v1/jobs/:id`), not the raw path, so
 * metric labels stay a fixed set however many job ids are requested. Read after `await next()`:
 * Hono leaves `routeIndex` on the last handler that ran. A request no route matched only ran
 * the global middleware (`/*`), and is labelled `unmatched`.
 */
export function routePattern(c: Context): string {
  const path = c.req.routePath;
  return path === "/*" || path === "*" || path === "" ? "unmatched" : path;
}
