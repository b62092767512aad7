import { Hono } from "hono";
import { countLiveJobs } from "../../db/sql/count-live-jobs.js";
import type { AppDeps } from "../deps.js";

/**
 * `GET /metrics`: this process's metrics in the Prometheus text format, plus `intake_jobs`
 * counted in Postgres at scrape time. Unauthenticated, like most exporters: expose the API
 * port to scrapers on a private network, or put the route behind the proxy's own auth.
 */
export function metricsRoutes(deps: AppDeps) {
  deps.metrics.countJobsWith(() => countLiveJobs(deps.db));
  return new Hono().get("/metrics", async (c) => {
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { "content-type": deps.metrics.registry.contentType });
  });
}
