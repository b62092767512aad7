import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { silentLogger } from "../src/observability/logger.js";
import { Metrics } from "../src/observability/metrics.js";
import { createObjectStore } from "../src/storage/create-object-store.js";
import { createTestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { freePort } from "./helpers/free-port.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("health", () => {
  it("/healthz answers while /readyz reports each dependency", async () => {
    const t = await createTestApp(ctx);
    expect((await t.call("GET", "/healthz", undefined, { key: null })).status).toBe(200);
    const ready = await t.call("GET", "/readyz", undefined, { key: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: { postgres: { ok: true }, s3: { ok: true } },
    });
  });

  it("/readyz answers 503 naming S3 when storage is unreachable", async () => {
    const dead = createObjectStore({ ...ctx.config.s3, endpoint: `http://127.0.0.1:${await freePort()}` });
    const app = createApp({
      config: ctx.config,
      db: ctx.db,
      store: dead,
      logger: silentLogger,
      metrics: new Metrics(),
    });
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: "unavailable",
      checks: { postgres: { ok: true }, s3: { ok: false } },
    });
  });
});
