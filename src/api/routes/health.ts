import { Hono } from "hono";
import { ping } from "../../db/sql/ping.js";
import { ocrAvailability } from "../../pipeline/ocr/index.js";
import { hasToken } from "../auth.js";
import type { AppDeps } from "../deps.js";

const CHECK_TIMEOUT_MS = 2000;

type Check = { ok: true } | { ok: false; error: string };

async function timed(run: () => Promise<Check>) {
  const started = performance.now();
  const result = await run();
  return result.ok ? { ok: true as const, latencyMs: Math.round(performance.now() - started) } : result;
}

/**
 * `/healthz`: the process answers. `/readyz`: Postgres and S3 answer too (503 otherwise), and
 * whether this machine can OCR, which is reported but does not decide readiness: without OCR,
 * documents still complete, with a `no_text_layer` warning where pages went unread.
 */
export function healthRoutes(deps: AppDeps) {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      const ocrConfig = deps.config.parse.ocr;
      const [postgres, s3, ocr] = await Promise.all([
        timed(() => ping(deps.db, CHECK_TIMEOUT_MS)),
        timed(() => deps.store.probe(CHECK_TIMEOUT_MS)),
        ocrConfig.enabled
          ? ocrAvailability({ languages: ocrConfig.languages }).then(({ available, languages, reason }) => ({
              ok: available,
              enabled: true,
              languages,
              ...(reason ? { reason } : {}),
            }))
          : Promise.resolve({ ok: false, enabled: false, reason: "INTAKE_OCR=off" }),
      ]);
      const ready = postgres.ok && s3.ok;
      // Raw driver errors name hosts, ports and users; they go to the log, and to a caller that
      // shows the metrics token, not to anyone who can reach the port.
      const detailed = hasToken(c, deps.config.metricsToken);
      for (const [name, check] of Object.entries({ postgres, s3 })) {
        if (!check.ok && "error" in check)
          deps.logger.warn({ check: name, err: check.error }, "readiness check failed");
      }
      const shown = (check: typeof postgres) =>
        check.ok || detailed ? check : { ok: false, error: "unavailable; see the server log" };
      return c.json(
        {
          status: ready ? "ready" : "unavailable",
          checks: { postgres: shown(postgres), s3: shown(s3) },
          ocr,
        },
        ready ? 200 : 503,
      );
    });
}
