import { Hono } from "hono";
import { countLiveJobs } from "../../db/sql/count-live-jobs.js";
import { requireToken } from "../auth.js";
import type { AppDeps } from "../deps.js";

/**
 * `GET /metrics`: this process's metrics in the Prometheus text format, plus `intake_jobs`
 * counted in Postgres at scrape time. With `INTAKE_METRICS_TOKEN` set, scrapers send it as a
 * bearer (Prometheus's `authorization` block); without it the route is open, like most
 * exporters, for a private network.
 */
export function metricsRoutes(deps: AppDeps) {
  deps.metrics.countJobsWith(() => countLiveJobs(deps.db));
  const guard = deps.config.metricsToken
    ? requireToken(deps.config.metricsToken, "metrics token")
    : async (_c: unknown, next: () => Promise<void>) => next();
  return new Hono().get("/metrics", guard, async (c) => {
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { "content-type": deps.metrics.registry.contentType });
  });
}
