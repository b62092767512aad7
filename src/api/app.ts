import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { NotificationListener } from "../db/notification-listener.js";
import { JobEventHub } from "../jobs/job-event-hub.js";
import { StreamSlots } from "../quotas/index.js";
import { webRoutes } from "../web/routes.js";
import type { AppDeps } from "./deps.js";
import { AuthFailureLimiter, authFailureLimit } from "./middleware/auth-failure-limit.js";
import { httpMetrics } from "./middleware/http-metrics.js";
import { type RequestLogEnv, requestLog } from "./middleware/request-log.js";
import { ApiError, fromDomainError, problem } from "./problem.js";
import { ProcessStreams } from "./process-streams.js";
import { companionRoutes } from "./routes/companion.js";
import { eventRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { jobFileRoutes } from "./routes/job-files.js";
import { jobLifecycleRoutes } from "./routes/job-lifecycle.js";
import { jobRoutes } from "./routes/jobs.js";
import { keyRoutes } from "./routes/keys.js";
import { metricsRoutes } from "./routes/metrics.js";
import { openApiRoutes } from "./routes/openapi.js";
import { storageEventRoutes } from "./routes/storage-events.js";
import { uploadRoutes } from "./routes/uploads.js";
import { webhookRoutes } from "./routes/webhooks.js";

/**
 * The HTTP API. Errors become problem+json in exactly one place (`onError`); anything that is
 * not an ApiError is logged with its stack and answered 500 without internals.
 */
export function createApp(deps: AppDeps) {
  const eventHub =
    deps.eventHub ??
    new JobEventHub({
      listener: new NotificationListener({ databaseUrl: deps.config.databaseUrl, logger: deps.logger }),
      logger: deps.logger,
      metrics: deps.metrics,
    });
  const streamSlots = deps.streamSlots ?? new StreamSlots({ db: deps.db, logger: deps.logger });
  const processStreams =
    deps.processStreams ??
    new ProcessStreams({ limit: deps.config.quotas.maxStreamsPerProcess, metrics: deps.metrics });
  const app = new Hono<RequestLogEnv>();
  app.use(requestId(), requestLog(deps.logger), httpMetrics(deps.metrics));
  // Failed authentication per client address, on every authenticated surface.
  const authFailures = new AuthFailureLimiter({
    perMinute: deps.config.quotas.authFailuresPerMinute,
    trustForwardedFor: deps.config.quotas.trustForwardedFor,
  });
  app.use("/v1/*", authFailureLimit(authFailures));
  app.use("/s3/*", authFailureLimit(authFailures));

  app.route("/", healthRoutes(deps));
  app.route("/", metricsRoutes(deps));
  app.route("/", openApiRoutes());
  app.route("/v1/uploads", uploadRoutes(deps));
  // Each route carries its own auth, so these two routers may be mounted in either order.
  app.route("/v1/jobs", jobRoutes(deps));
  app.route("/v1/jobs", eventRoutes({ ...deps, eventHub, streamSlots, processStreams }));
  app.route("/v1/jobs", jobFileRoutes(deps));
  app.route("/v1/jobs", jobLifecycleRoutes(deps));
  app.route("/v1/storage-events", storageEventRoutes(deps));
  app.route("/v1/webhooks", webhookRoutes(deps));
  app.route("/v1/keys", keyRoutes(deps));
  app.route("/s3", companionRoutes(deps));
  app.route("/", webRoutes());

  app.notFound((c) =>
    problem(c, new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError((err, c) => {
    if (err instanceof ApiError) return problem(c, err);
    const domain = fromDomainError(err);
    if (domain) return problem(c, domain);
    if (err instanceof HTTPException) {
      return problem(
        c,
        new ApiError(err.status as ApiError["status"], "http_error", err.message || "request rejected"),
      );
    }
    (c.var.logger ?? deps.logger).error({ err, method: c.req.method, path: c.req.path }, "unhandled error");
    return problem(c, new ApiError(500, "internal_error", "internal error; see the server log"));
  });
  return app;
}
