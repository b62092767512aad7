import { Hono } from "hono";
import { countLiveJobs } from "../../db/sql/count-live-jobs.js";
import { tenantQuotaReports } from "../../quotas/index.js";
import { requireToken } from "../auth.js";
import type { AppDeps } from "../deps.js";

/** Tenants in the per-tenant gauges, the largest by bytes first: a bound on label cardinality. */
const MAX_TENANTS_IN_METRICS = 100;

const RESOURCES = [
  ["uploads_per_minute", "uploadsPerMinute"],
  ["bytes", "bytes"],
  ["documents", "documents"],
  ["streams", "streams"],
] as const;
const LIMIT_OF = {
  uploadsPerMinute: "uploadsPerMinute",
  bytes: "maxBytes",
  documents: "maxDocuments",
  streams: "maxStreams",
} as const;

/**
 * `GET /metrics`: this process's metrics in the Prometheus text format, plus `intake_jobs`
 * counted in Postgres at scrape time. With `INTAKE_METRICS_TOKEN` set, scrapers send it as a
 * bearer (Prometheus's `authorization` block); without it the route is open, like most
 * exporters, for a private network.
 */
export function metricsRoutes(deps: AppDeps) {
  deps.metrics.countJobsWith(() => countLiveJobs(deps.db));
  deps.metrics.reportTenantQuotasWith(async () => {
    const reports = await tenantQuotaReports(deps.db, deps.config.quotas.tenantDefaults, {
      max: MAX_TENANTS_IN_METRICS,
    });
    return reports.flatMap((r) =>
      RESOURCES.map(([resource, key]) => ({
        tenant: r.tenant,
        resource,
        usage: r.usage[key],
        limit: r.limits[LIMIT_OF[key]],
      })),
    );
  });
  const guard = deps.config.metricsToken
    ? requireToken(deps.config.metricsToken, "metrics token")
    : async (_c: unknown, next: () => Promise<void>) => next();
  return new Hono().get("/metrics", guard, async (c) => {
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { "content-type": deps.metrics.registry.contentType });
  });
}
