import { createMiddleware } from "hono/factory";
import type { Metrics } from "../../observability/metrics.js";
import { routePattern } from "./route-pattern.js";

/**
 * Counts requests and observes their duration by route pattern, method and status. For an
 * SSE stream the duration is the time to its response headers, not the stream's life (open
 * streams are the `intake_sse_streams` gauge).
 */
export function httpMetrics(metrics: Metrics) {
  return createMiddleware(async function recordHttpMetrics(c, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = routePattern(c);
      const method = c.req.method;
      // An error that escaped every handler still answers 500 (Hono's onError renders it).
      const status = String(c.error && !c.finalized ? 500 : c.res.status);
      metrics.httpRequests.inc({ route, method, status });
      metrics.httpDuration.observe({ route, method }, (performance.now() - started) / 1000);
    }
  });
}
