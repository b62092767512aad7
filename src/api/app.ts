import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppDeps } from "./deps.js";
import { ApiError, problem } from "./problem.js";
import { healthRoutes } from "./routes/health.js";
import { jobRoutes } from "./routes/jobs.js";
import { storageEventRoutes } from "./routes/storage-events.js";
import { uploadRoutes } from "./routes/uploads.js";

/**
 * The HTTP API. Errors become problem+json in exactly one place (`onError`); anything that is
 * not an ApiError is logged with its stack and answered 500 without internals.
 */
export function createApp(deps: AppDeps) {
  const app = new Hono();
  app.route("/", healthRoutes(deps));
  app.route("/v1/uploads", uploadRoutes(deps));
  app.route("/v1/jobs", jobRoutes(deps));
  app.route("/v1/storage-events", storageEventRoutes(deps));

  app.notFound((c) =>
    problem(c, new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError((err, c) => {
    if (err instanceof ApiError) return problem(c, err);
    if (err instanceof HTTPException) {
      return problem(
        c,
        new ApiError(err.status as ApiError["status"], "http_error", err.message || "request rejected"),
      );
    }
    deps.logger.error({ err, method: c.req.method, path: c.req.path }, "unhandled error");
    return problem(c, new ApiError(500, "internal_error", "internal error; see the server log"));
  });
  return app;
}
