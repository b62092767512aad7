import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { RequestIdVariables } from "hono/request-id";
import type { Logger } from "../../observability/logger.js";
import { routePattern } from "./route-pattern.js";

export type RequestLogEnv = {
  Variables: RequestIdVariables & {
    /** This request's logger: carries `requestId`. */
    logger: Logger;
    /** Fields a handler learned (job id, stage) for the request's log line. */
    logFields: Record<string, unknown>;
    tenant?: string;
  };
};

/** Scrapes and probes repeat every few seconds; they log at debug so info stays readable. */
const QUIET_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

/** Adds fields (jobId, stage…) to the current request's log line; a no-op outside a request. */
export function annotateRequestLog(c: Context, fields: Record<string, unknown>): void {
  const current = c.get("logFields") as Record<string, unknown> | undefined;
  if (current) Object.assign(current, fields);
}

/**
 * One JSON line per request with its request id (from `requestId()`, which accepts a sane
 * `X-Request-Id` or makes a UUID and echoes it), route pattern, status, duration, and the
 * tenant and job id where the request named them. The query string is left out: it can
 * carry `access_token`.
 */
export function requestLog(logger: Logger) {
  return createMiddleware<RequestLogEnv>(async function logRequest(c, next) {
    const started = performance.now();
    const log = logger.child({ requestId: c.get("requestId") });
    const fields: Record<string, unknown> = {};
    c.set("logger", log);
    c.set("logFields", fields);
    try {
      await next();
    } finally {
      const route = routePattern(c);
      const jobId = route.includes(":id") ? c.req.param("id") : undefined;
      const line = {
        method: c.req.method,
        route,
        path: c.req.path,
        status: c.error && !c.finalized ? 500 : c.res.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        tenant: c.get("tenant"),
        ...(jobId && /^[0-9a-f-]{36}$/i.test(jobId) ? { jobId: jobId.toLowerCase() } : {}),
        ...fields,
      };
      if (QUIET_ROUTES.has(route)) log.debug(line, "request");
      else log.info(line, "request");
    }
  });
}
