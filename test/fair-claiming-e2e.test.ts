import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { STAGE_HANDLERS } from "../src/worker/runtime.js";
import type { StageHandler } from "../src/worker/stage.js";
import { createTestApp, OTHER_TENANT_KEY, putToUrl, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { startTestWorker } from "./helpers/worker.js";

let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
});
afterAll(() => ctx.close());

/** Creates, PUTs and completes one upload as the tenant of `key`; returns the job id. */
async function upload(name: string, key?: string): Promise<string> {
  const body = `document ${name}\n`;
  const res = await t.call(
    "POST",
    "/v1/uploads",
    { filename: `${name}.txt`, contentType: "text/plain", size: body.length },
    { key },
  );
  const job = (await res.json()) as { id: string; upload: { url: string; headers: Record<string, string> } };
  expect((await putToUrl(job.upload, body)).status).toBe(200);
  expect((await t.call("POST", `/v1/uploads/${job.id}/complete`, undefined, { key })).status).toBe(200);
  return job.id;
}

// Every parse of tenant `default` takes 100 ms more, so its backlog takes seconds to drain.
const slowFor =
  (tenant: string, handler: StageHandler): StageHandler =>
  async (deps, run) => {
    if (run.job.tenant_id === tenant) await new Promise((r) => setTimeout(r, 100));
    return handler(deps, run);
  };

it("tenant B's document completes while most of tenant A's 200-document backlog is still queued", async () => {
  const backlog: string[] = [];
  for (let i = 0; i < 200; i += 20) {
    backlog.push(...(await Promise.all(Array.from({ length: 20 }, (_, k) => upload(`a-${i + k}`)))));
  }
  const { worker } = await startTestWorker(ctx, {
    concurrency: 2,
    handlers: { ...STAGE_HANDLERS, parse: slowFor("default", STAGE_HANDLERS.parse) },
  });
  try {
    // Let A's backlog fill both slots first.
    await waitForJobs(ctx.db, ctx.databaseUrl, backlog.slice(0, 2), (j) => j.status !== "queued");
    const bJob = await upload("b", OTHER_TENANT_KEY);
    const [b] = await waitForJobs(ctx.db, ctx.databaseUrl, [bJob], ["completed", "failed"], 30_000);
    expect(b!.status).toBe("completed");
    const { rows } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM jobs WHERE id = ANY(${backlog}::uuid[]) AND status = 'queued' AND stage = 'parse'`.execute(
      ctx.db,
    );
    expect(Number(rows[0]!.n)).toBeGreaterThan(150);
  } finally {
    await worker.stop();
  }
}, 120_000);
