import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/db/database.js";
import { prepared } from "../src/db/prepared.js";
import {
  type ClaimOptions,
  claimAnnouncedJobs,
  claimAnnouncedStatement,
  claimJobs,
  claimStatement,
} from "../src/db/sql/claim.js";
import { endStagesWithEventsStatement } from "../src/db/sql/end-stages.js";
import { extendLeasesStatement } from "../src/db/sql/extend-leases.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

/** `count` queued jobs of a new tenant at `stage`, in one statement. */
async function queueJobs(tenant: string, stage: "parse" | "chunk" | "embed", count: number) {
  await sql`INSERT INTO tenants (id) VALUES (${tenant})`.execute(ctx.db);
  await sql`
    INSERT INTO jobs (id, tenant_id, status, stage, filename, content_type, size, object_key,
                      upload_method, upload_expires_at, uploaded_at)
    SELECT g.id, ${tenant}, 'queued', ${stage}, 'f.txt', 'text/plain', 1, ${tenant} || '/' || g.id, 'PUT',
           now() + interval '1 day', now()
    FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, ${count})) g`.execute(ctx.db);
}

/**
 * The plan `db`'s one connection keeps for a statement it has prepared, shown for the
 * statement's values. EXECUTE takes no bind parameters: the (test-made) values are written out.
 */
async function keptPlan(db: Db, statement: { sql: string; parameters: readonly unknown[] }): Promise<string> {
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM pg_prepared_statements WHERE statement = ${statement.sql}`.execute(db);
  expect(rows).toHaveLength(1);
  const literal = (v: unknown) =>
    v === null ? "NULL" : Array.isArray(v) ? `'{${v.join(",")}}'` : typeof v === "number" ? v : `'${v}'`;
  const plan = await sql<{ "QUERY PLAN": string }>`${sql.raw(
    `EXPLAIN (COSTS OFF) EXECUTE ${rows[0]!.name}(${statement.parameters.map(literal).join(", ")})`,
  )}`.execute(db);
  return plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
}

describe("prepared statements", () => {
  it("run by name, prepared once per connection", async () => {
    // One connection (a transaction) for the calls and the look at what it has prepared.
    const held = await ctx.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 3; i++) {
        const { rows } = await prepared(sql<{ n: number }>`SELECT ${i}::int + 40 AS n`).execute(trx);
        expect(rows[0]?.n).toBe(i + 40);
      }
      const { rows } = await sql<{ name: string; statement: string }>`
        SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE '%+ 40 AS n%'`.execute(trx);
      return rows;
    });
    expect(held).toHaveLength(1);
    expect(held[0]?.name).toMatch(/^intake_[0-9a-f]{20}_\d+$/);
  });

  it("recover after a migration changes the shape of a row they return whole", async () => {
    const db = ctx.db;
    await sql`CREATE TABLE shape_probe (id int PRIMARY KEY)`.execute(db);
    await sql`INSERT INTO shape_probe VALUES (1)`.execute(db);
    const select = () => prepared(sql<Record<string, unknown>>`SELECT * FROM shape_probe`).execute(db);
    // Prepare it on every connection the pool may lend.
    await Promise.all(Array.from({ length: 20 }, select));
    await sql`ALTER TABLE shape_probe ADD COLUMN added text DEFAULT 'x'`.execute(db);
    const first = await select().then(
      () => null,
      (err: { code?: string }) => err.code,
    );
    // Postgres refuses the stale statement once; every later call prepares it afresh.
    expect(first).toBe("0A000");
    for (let i = 0; i < 25; i++) expect((await select()).rows[0]).toEqual({ id: 1, added: "x" });
  });

  it("keep the claim's TID scan when the queue grows after a worker's first claims", async () => {
    // The worker's claim connection: one plan per statement, made at the first call.
    const claimDb = createDb({ connectionString: ctx.databaseUrl, max: 1, genericPlans: true });
    try {
      const opts: ClaimOptions = { workerId: "w", stages: ["parse"], limit: 64, leaseSeconds: 30 };
      // A worker starts on an empty queue: its plan is made while the jobs table is empty.
      for (let i = 0; i < 3; i++) expect(await claimJobs(claimDb, opts)).toEqual([]);
      await queueJobs("plan", "parse", 5000);
      expect(await claimJobs(claimDb, opts)).toHaveLength(64);

      // The plan the connection keeps for the claim, shown for the same values.
      const shown = await keptPlan(claimDb, claimStatement(opts).compile(claimDb));
      // The UPDATE finds the locked rows by their versions, not by reading every job.
      expect(shown).toMatch(/Tid Scan on jobs/);
      expect(shown).not.toMatch(/Seq Scan on jobs/);
    } finally {
      await claimDb.destroy();
    }
  });

  it("keep a claim by id a primary-key probe, planned on an empty queue and run on a backlog", async () => {
    const claimDb = createDb({ connectionString: ctx.databaseUrl, max: 1, genericPlans: true });
    try {
      const opts = { workerId: "w", stages: ["embed"] as const, leaseSeconds: 30, maxRunningPerStage: null };
      // Planned first while no embed job is queued, as an idle worker's first claim by id is.
      const none = await claimAnnouncedJobs(claimDb, { ...opts, stages: ["embed"], jobIds: [randomUUID()] });
      expect(none).toEqual([]);
      await queueJobs("by-id", "embed", 5000);
      await sql`ANALYZE jobs`.execute(ctx.db);
      const [target] = (
        await sql<{ id: string }>`SELECT id FROM jobs WHERE tenant_id = 'by-id' LIMIT 1`.execute(ctx.db)
      ).rows;
      const claimed = await claimAnnouncedJobs(claimDb, { ...opts, stages: ["embed"], jobIds: [target!.id] });
      expect(claimed.map((j) => j.id)).toEqual([target!.id]);

      const shown = await keptPlan(
        claimDb,
        claimAnnouncedStatement({ ...opts, stages: ["embed"], jobIds: [target!.id] }).compile(claimDb),
      );
      // The announced ids by the primary key, then the locked versions by TID: never a walk of
      // the queued jobs, however many there are.
      expect(shown).toMatch(/Index Scan using jobs_pkey on jobs j|Bitmap Index Scan on jobs_pkey/);
      expect(shown).toMatch(/Tid Scan on jobs/);
      expect(shown).not.toMatch(/jobs_claimable_by_tenant|Seq Scan on jobs/);
    } finally {
      await claimDb.destroy();
    }
  });

  it("find a batch of stage ends' or leases' jobs by primary key, however few running jobs the statistics saw", async () => {
    await queueJobs("ends", "chunk", 3000);
    // Statistics taken with nothing running, as a queue table's usually are.
    await sql`ANALYZE jobs`.execute(ctx.db);
    const running = await claimJobs(ctx.db, {
      workerId: "w",
      stages: ["chunk"],
      limit: 1024,
      leaseSeconds: 30,
    });
    expect(running).toHaveLength(1024);
    const ends = running.slice(0, 256).map((job) => ({
      job,
      fence: { id: job.id, attempt: job.attempt, workerId: "w", stage: job.stage },
      detail: {},
    }));
    const client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    try {
      const statements = [
        endStagesWithEventsStatement(ends),
        // The heartbeat's lease extension, for the same 256 (a worker's held jobs).
        extendLeasesStatement("w", running.slice(0, 256), 30),
      ];
      for (const statement of statements) {
        const { sql: text, parameters } = statement.compile(ctx.db);
        const show = async (explain: string) =>
          (await client.query<{ "QUERY PLAN": string }>(`${explain} ${text}`, [...parameters])).rows
            .map((r) => r["QUERY PLAN"])
            .join("\n");
        // The plan a connection keeps once it plans the statement generically, and the one it
        // makes for these values (EXPLAIN ANALYZE runs it, in a transaction rolled back).
        const generic = await show("EXPLAIN (GENERIC_PLAN, COSTS OFF)");
        await client.query("BEGIN");
        const custom = await show("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)");
        await client.query("ROLLBACK");
        for (const plan of [generic, custom]) {
          // Each of the 256 is a probe of the primary key: no scan of every running job, and no
          // list rescanned per row.
          expect(plan).toMatch(/jobs_pkey/);
          expect(plan).not.toMatch(/jobs_running_by_tenant|jobs_leases|Seq Scan on jobs/);
          expect(plan).not.toMatch(/Join Filter/);
        }
        expect(custom).toMatch(/Update on jobs j \(actual rows=256/);
      }
    } finally {
      await client.end();
    }
  });
});
