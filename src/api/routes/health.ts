import { Hono } from "hono";
import { ping } from "../../db/sql/ping.js";
import type { AppDeps } from "../deps.js";

const CHECK_TIMEOUT_MS = 2000;

type Check = { ok: true } | { ok: false; error: string };

async function timed(run: () => Promise<Check>) {
  const started = performance.now();
  const result = await run();
  return result.ok ? { ok: true, latencyMs: Math.round(performance.now() - started) } : result;
}

/** `/healthz`: the process answers. `/readyz`: Postgres and S3 answer too (503 otherwise). */
export function healthRoutes(deps: AppDeps) {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      const [postgres, s3] = await Promise.all([
        timed(() => ping(deps.db, CHECK_TIMEOUT_MS)),
        timed(() => deps.store.probe(CHECK_TIMEOUT_MS)),
      ]);
      const ready = postgres.ok && s3.ok;
      return c.json({ status: ready ? "ready" : "unavailable", checks: { postgres, s3 } }, ready ? 200 : 503);
    });
}
