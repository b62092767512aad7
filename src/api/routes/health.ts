import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { Hono } from "hono";
import { sql } from "kysely";
import type { AppDeps } from "../deps.js";

const CHECK_TIMEOUT_MS = 2000;

async function check(run: (signal: AbortSignal) => Promise<unknown>) {
  const started = performance.now();
  try {
    await run(AbortSignal.timeout(CHECK_TIMEOUT_MS));
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, error: (err as Error).message || (err as Error).name };
  }
}

/** `/healthz`: the process answers. `/readyz`: Postgres and S3 answer too (503 otherwise). */
export function healthRoutes(deps: AppDeps) {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      const [postgres, s3] = await Promise.all([
        check((signal) =>
          Promise.race([
            sql`SELECT 1`.execute(deps.db),
            new Promise((_, reject) =>
              signal.addEventListener("abort", () => reject(new Error("timed out"))),
            ),
          ]),
        ),
        check((abortSignal) =>
          deps.s3.send(new HeadBucketCommand({ Bucket: deps.config.s3.bucket }), { abortSignal }),
        ),
      ]);
      const ready = postgres.ok && s3.ok;
      return c.json({ status: ready ? "ready" : "unavailable", checks: { postgres, s3 } }, ready ? 200 : 503);
    });
}
