import { sql } from "kysely";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { claimAnnouncedJobs } from "../src/db/sql/claim.js";
import type { Metrics } from "../src/observability/metrics.js";
import type { Worker } from "../src/worker/runtime.js";
import { commitStage, type StageHandler } from "../src/worker/stage.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

// An idle worker takes the job an upload's completion announces by its id (the NOTIFY names it),
// a primary-key probe instead of the fair search of the queue. What must hold: it takes only a
// job the search could have taken (queued, due, its stage, no tenant cap), never a locked one,
// and never while other work waits, where the search decides who goes first.

let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
});
afterAll(() => ctx.close());

/** One job of tenant `tenant` in `status`, due `dueInSeconds` from now, at `stage`. */
async function insertJob(
  tenant: string,
  opts: { status?: string; dueInSeconds?: number; stage?: string } = {},
) {
  await sql`INSERT INTO tenants (id) VALUES (${tenant}) ON CONFLICT DO NOTHING`.execute(ctx.db);
  const { rows } = await sql<{ id: string }>`
    INSERT INTO jobs (id, tenant_id, status, stage, filename, content_type, size, object_key,
                      upload_method, upload_expires_at, uploaded_at, run_after)
    VALUES (gen_random_uuid(), ${tenant}, ${opts.status ?? "queued"}, ${opts.stage ?? "parse"}, 'f.txt',
            'text/plain', 1, 'announced/' || gen_random_uuid(), 'PUT', now() + interval '1 day', now(),
            now() + make_interval(secs => ${opts.dueInSeconds ?? -1}))
    RETURNING id`.execute(ctx.db);
  return rows[0]!.id;
}

const claimIds = (jobIds: string[], maxRunningPerStage: number | null = null) =>
  claimAnnouncedJobs(ctx.db, {
    workerId: "w-announced",
    stages: ["parse"],
    leaseSeconds: 30,
    maxRunningPerStage,
    jobIds,
  });

describe("claiming announced jobs by id", () => {
  it("takes a queued job with its lease, attempt and stage_started event", async () => {
    const id = await insertJob("ann-a");
    const [job, ...rest] = await claimIds([id]);
    expect(rest).toHaveLength(0);
    expect(job).toMatchObject({
      id,
      status: "running",
      stage: "parse",
      attempt: 1,
      lease_owner: "w-announced",
    });
    const events = await ctx.db
      .selectFrom("job_events")
      .select(["type", "data"])
      .where("job_id", "=", id)
      .execute();
    expect(events).toEqual([
      {
        type: "stage_started",
        data: { status: "running", stage: "parse", attempt: 1, worker: "w-announced" },
      },
    ]);
    // Taken once: a second announcement of it finds nothing.
    expect(await claimIds([id])).toEqual([]);
  });

  it("skips what the search would not take: not queued, not due, another stage, a capped tenant", async () => {
    const awaiting = await insertJob("ann-b", { status: "awaiting_upload" });
    const later = await insertJob("ann-b", { dueInSeconds: 60 });
    const chunk = await insertJob("ann-b", { stage: "chunk" });
    const capped = await insertJob("ann-capped");
    await sql`UPDATE tenants SET max_running_per_stage = 5 WHERE id = 'ann-capped'`.execute(ctx.db);
    const free = await insertJob("ann-b");
    const claimed = await claimIds([awaiting, later, chunk, capped, free]);
    expect(claimed.map((j) => j.id)).toEqual([free]);
    // The process default cap (INTAKE_TENANT_MAX_RUNNING_PER_STAGE) applies to every tenant.
    const another = await insertJob("ann-b");
    expect(await claimIds([another], 10)).toEqual([]);
    const statuses = await ctx.db
      .selectFrom("jobs")
      .select(["id", "status"])
      .where("id", "in", [awaiting, later, chunk, capped, another])
      .execute();
    expect(new Set(statuses.map((r) => r.status))).toEqual(new Set(["awaiting_upload", "queued"]));
  });

  it("passes over a job another transaction holds locked, without waiting for it", async () => {
    const id = await insertJob("ann-c");
    const other = new pg.Client({ connectionString: ctx.databaseUrl });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query("SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE", [id]);
      // Returns at once (SKIP LOCKED) while the lock is held.
      expect(await claimIds([id])).toEqual([]);
      await other.query("ROLLBACK");
    } finally {
      await other.end();
    }
    expect((await claimIds([id])).map((j) => j.id)).toEqual([id]);
  });
});

describe("the claim loop", () => {
  let worker: Worker | undefined;
  // Nothing of the cases before is left for the loop's searches to find.
  beforeEach(async () => {
    await sql`DELETE FROM jobs WHERE stage = 'parse' AND status IN ('queued', 'running')`.execute(ctx.db);
  });
  afterEach(async () => {
    await worker?.stop(1000);
    worker = undefined;
  });

  const start = async (handler: StageHandler, concurrency: number) => {
    // No backstop poll within the test: every claim follows a NOTIFY or a freed slot.
    const started = await startTestWorker(ctx, {
      stages: ["parse"],
      concurrency,
      pollIntervalMs: 600_000,
      handlers: { parse: handler },
    });
    worker = started.worker;
    const count = (counter: Metrics["claims"]) => async (by: "id" | "search") =>
      (await counter.get()).values.find((v) => v.labels.by === by)?.value ?? 0;
    return { claims: count(started.metrics.claims), claimedJobs: count(started.metrics.claimedJobs) };
  };
  const until = async (what: () => Promise<boolean>) => {
    const deadline = Date.now() + 15_000;
    while (!(await what())) {
      if (Date.now() > deadline) throw new Error("condition not reached in 15 s");
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const statusOf = async (id: string) =>
    (await ctx.db.selectFrom("jobs").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status;
  // Parse done: the job is queued for chunk, which this worker does not run.
  const parsed = async (ids: string[]) =>
    (await ctx.db.selectFrom("jobs").select("stage").where("id", "in", ids).execute()).every(
      (r) => r.stage === "chunk",
    );

  it("takes an upload's job by id when idle, and runs it", async () => {
    const ran: string[] = [];
    const { claims, claimedJobs } = await start(async (deps, run) => {
      ran.push(run.job.id);
      await commitStage(deps, run, async () => undefined);
    }, 2);
    // The loop's first search (at start) found the queue empty: it is drained.
    await until(async () => (await claims("search")) === 1);
    const id = await uploadFile(t, "announced.txt", "text/plain", "taken by id");
    await until(() => parsed([id]));
    expect(ran).toEqual([id]);
    expect(await claimedJobs("id")).toBe(1);
    expect(await claimedJobs("search")).toBe(0);
  });

  it("claims by search, not by id, while other work waits for a slot", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const ran: string[] = [];
    const { claimedJobs } = await start(async (deps, run) => {
      ran.push(run.job.id);
      await gate;
      await commitStage(deps, run, async () => undefined);
    }, 1);
    const first = await uploadFile(t, "busy-1.txt", "text/plain", "first");
    await until(async () => ran.length === 1);
    // The one slot is busy: these wait queued, announced while nothing could take them.
    const waiting = [
      await uploadFile(t, "busy-2.txt", "text/plain", "second"),
      await uploadFile(t, "busy-3.txt", "text/plain", "third"),
    ];
    expect(await Promise.all(waiting.map(statusOf))).toEqual(["queued", "queued"]);
    const byIdBefore = await claimedJobs("id");
    const searchedBefore = await claimedJobs("search");
    release();
    await until(() => parsed([first, ...waiting]));
    expect(ran.slice(1).sort()).toEqual([...waiting].sort());
    // Both waiting jobs were found by searching the queue once the slot freed.
    expect(await claimedJobs("id")).toBe(byIdBefore);
    expect((await claimedJobs("search")) - searchedBefore).toBe(2);
  });

  it("falls back to the search for an announced job of a capped tenant, and the cap holds", async () => {
    const ran: string[] = [];
    const { claims, claimedJobs } = await start(async (deps, run) => {
      ran.push(run.job.id);
      await commitStage(deps, run, async () => undefined);
    }, 2);
    await sql`UPDATE tenants SET max_running_per_stage = 1 WHERE id = 'default'`.execute(ctx.db);
    try {
      await until(async () => (await claims("search")) === 1);
      const id = await uploadFile(t, "capped.txt", "text/plain", "capped tenant");
      await until(async () => ran.includes(id));
      // The announcement was tried by id (the queue was drained) and passed over; the search
      // that followed, which applies the cap, took the job.
      expect(await claims("id")).toBe(1);
      expect(await claimedJobs("id")).toBe(0);
      expect(await claimedJobs("search")).toBe(1);
    } finally {
      await sql`UPDATE tenants SET max_running_per_stage = NULL`.execute(ctx.db);
    }
  });
});
