import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releaseExpiredLeasesStatement } from "../src/db/sql/release-expired-leases.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

/** `count` jobs of tenant `reaper` in `status`, with a lease (expired or not) when running. */
async function insertJobs(count: number, status: "completed" | "running", leaseExpired = false) {
  const lease =
    status === "running"
      ? sql`'w1', now() + ${leaseExpired ? "-1 minute" : "1 minute"}::interval`
      : sql`NULL, NULL`;
  await sql`
    INSERT INTO jobs (id, tenant_id, status, stage, filename, content_type, size, object_key,
                      upload_method, upload_expires_at, uploaded_at, attempt, lease_owner, lease_expires_at)
    SELECT g.id, 'reaper', ${status}, 'parse', 'f.txt', 'text/plain', 1, 'reaper/' || g.id, 'PUT',
           now() + interval '1 day', now(), 1, ${lease}
    FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, ${count})) g`.execute(ctx.db);
}

describe("the lease reaper", () => {
  // Migration 0015 dropped the index on lease_expires_at: the reaper reads running jobs (few:
  // the workers' slots) through jobs_running_by_tenant and filters by expiry. A plan that read
  // every job instead would grow with the table's history.
  it("reads only running jobs, however many have finished", async () => {
    await sql`INSERT INTO tenants (id) VALUES ('reaper')`.execute(ctx.db);
    await insertJobs(50_000, "completed");
    await insertJobs(200, "running");
    await insertJobs(7, "running", true);
    await sql`ANALYZE jobs`.execute(ctx.db);

    const { sql: text, parameters } = releaseExpiredLeasesStatement(100).compile(ctx.db);
    const client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    try {
      await client.query("BEGIN");
      const plan = (
        await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${text}`, [
          ...parameters,
        ])
      ).rows
        .map((r) => r["QUERY PLAN"])
        .join("\n");
      await client.query("ROLLBACK");
      expect(plan).toMatch(/Index Scan using jobs_running_by_tenant on jobs/);
      expect(plan).not.toMatch(/Seq Scan on jobs/);
      expect(plan).toMatch(/Update on jobs \(actual rows=7/);
    } finally {
      await client.end();
    }
    // And it does return the expired ones, each to the queue.
    const { rows } = await releaseExpiredLeasesStatement(100).execute(ctx.db);
    expect(rows).toHaveLength(7);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["queued"]));
  });
});
