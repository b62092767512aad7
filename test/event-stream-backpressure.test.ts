import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobEventStream } from "../src/api/routes/event-stream.js";
import type { Db } from "../src/db/database.js";
import type { JobEventHub } from "../src/jobs/job-event-hub.js";
import { silentLogger } from "../src/observability/logger.js";
import { createTestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

// Issue 15, SSE: a stream reads its replay only as fast as its client drains it (no unbounded
// buffering for a client that does not read), and idle or stalled streams close.

let ctx: TestContext;
let jobId: string;
beforeAll(async () => {
  ctx = await createTestContext();
  const t = await createTestApp(ctx);
  const res = await t.call("POST", "/v1/uploads", { filename: "e.txt", contentType: "text/plain", size: 5 });
  jobId = ((await res.json()) as { id: string }).id;
  // 5,000 progress events: ten pages of replay.
  await sql`
    INSERT INTO job_events (job_id, tenant_id, type, data)
    SELECT ${jobId}, 'default', 'progress', jsonb_build_object('n', n, 'pad', repeat('x', 200))
    FROM generate_series(1, 5000) AS n
  `.execute(ctx.db);
});
afterAll(() => ctx?.close());

const hub = {
  subscribe: async () => ({ unsubscribe: () => {} }),
} as unknown as JobEventHub;

/** The database with its event reads counted. */
function countingDb(db: Db) {
  let reads = 0;
  const counted = new Proxy(db, {
    get(target, prop) {
      if (prop === "selectFrom") reads++;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: counted, reads: () => reads };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("event stream backpressure", () => {
  it("a client that does not read holds at most a page or two of its replay", async () => {
    const { db, reads } = countingDb(ctx.db);
    const stream = jobEventStream({ db, hub, jobId, after: 0n, heartbeatMs: 50, logger: silentLogger });
    const reader = stream.getReader();
    await sleep(1000);
    expect(reads()).toBeLessThanOrEqual(2);
    // Reading drains it, and the rest of the replay follows.
    let last = "";
    const decoder = new TextDecoder();
    while (!last.includes('"n":5000')) {
      const { value, done } = await reader.read();
      if (done) break;
      last = decoder.decode(value);
    }
    expect(last).toContain('"n":5000');
    expect(reads()).toBeGreaterThanOrEqual(10);
    await reader.cancel();
  });

  it("closes a stream whose client stopped reading, and an idle one", async () => {
    const stalled = jobEventStream({
      db: ctx.db,
      hub,
      jobId,
      after: 0n,
      heartbeatMs: 20,
      idleMs: 200,
      logger: silentLogger,
    });
    const reader = stalled.getReader();
    await sleep(600);
    // It closed: what was queued is still readable, then done.
    let done = false;
    for (let i = 0; i < 10_000 && !done; i++) ({ done } = await reader.read());
    expect(done).toBe(true);

    const idle = jobEventStream({
      db: ctx.db,
      hub,
      jobId,
      after: 10_000_000n,
      heartbeatMs: 20,
      idleMs: 200,
      logger: silentLogger,
    });
    const idleReader = idle.getReader();
    const started = Date.now();
    let end = false;
    while (!end) ({ done: end } = await idleReader.read());
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
