import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { silentLogger } from "../src/observability/logger.js";
import { Metrics } from "../src/observability/metrics.js";
import { startMetricsServer } from "../src/observability/metrics-server.js";
import { DependencyUnavailableError } from "../src/resilience/dependency.js";
import { createObjectStore } from "../src/storage/create-object-store.js";
import { classifyStageError } from "../src/worker/classify-error.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { freePort } from "./helpers/free-port.js";

// Issue 15, exposure: /metrics takes an optional bearer token, /readyz shows no raw error text
// unauthenticated, and a job's error message carries no stack or SQL.

const TOKEN = "metrics-token-0123456789";
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ INTAKE_METRICS_TOKEN: TOKEN });
});
afterAll(() => ctx.close());

const appWith = (store = ctx.store) =>
  createApp({ config: ctx.config, db: ctx.db, store, logger: silentLogger, metrics: new Metrics() });

describe("exposure", () => {
  it("/metrics needs INTAKE_METRICS_TOKEN as a bearer when it is set", async () => {
    const app = appWith();
    expect((await app.request("/metrics")).status).toBe(401);
    expect((await app.request("/metrics", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const ok = await app.request("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("intake_");
  });

  it("a worker's metrics port needs the token too", async () => {
    const server = await startMetricsServer(new Metrics(), 0, "127.0.0.1", TOKEN);
    try {
      const url = `http://127.0.0.1:${server.port}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("/readyz names the failed check but not its raw error, unless the token is shown", async () => {
    const port = await freePort();
    const app = appWith(createObjectStore({ ...ctx.config.s3, endpoint: `http://127.0.0.1:${port}` }));
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ checks: { postgres: { ok: true }, s3: { ok: false } } });
    expect(text).not.toContain(String(port));
    expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    const detailed = await app.request("/readyz", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await detailed.json()) as any).checks.s3.error).not.toBe("unavailable; see the server log");
  });

  it("a job's error message carries no SQL, stack or host", () => {
    const sqlError = Object.assign(
      new Error('duplicate key value violates unique constraint "chunks_pkey"'),
      { stack: "Error: ...\n    at /srv/intake/src/db/sql/upsert-chunks.ts:12:3" },
    );
    const outcome = classifyStageError(sqlError);
    expect(outcome).toMatchObject({ kind: "failed", code: "stage_error" });
    const message = (outcome as { message: string }).message;
    expect(message).not.toMatch(/chunks_pkey|constraint|\/srv|upsert/);

    const down = classifyStageError(
      new DependencyUnavailableError("storage", new Error("connect ECONNREFUSED 10.0.0.7:9000")),
    );
    expect((down as { message: string }).message).not.toContain("10.0.0.7");
  });
});
