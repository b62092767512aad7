import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, Tx } from "../src/db/database.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

// tenant_usage is kept by triggers: per statement for inserts and deletes (transition tables),
// per row for status and size changes. Whatever the statement, the counter must equal a recount.
const counter = async (tenant: string) =>
  (
    await sql<{ bytes: string; documents: number }>`
      SELECT bytes, documents FROM tenant_usage WHERE tenant_id = ${tenant}`.execute(ctx.db)
  ).rows[0];
const recount = async (tenant: string) =>
  (
    await sql<{ bytes: string; documents: number }>`
      SELECT coalesce(sum(size), 0)::bigint AS bytes, count(*)::int AS documents FROM jobs
      WHERE tenant_id = ${tenant} AND status NOT IN ('expired', 'cancelled', 'deleted')`.execute(ctx.db)
  ).rows[0]!;

const insertMany = (tenants: string[], perTenant: number, status = "awaiting_upload", db: Db | Tx = ctx.db) =>
  sql`INSERT INTO jobs (id, tenant_id, status, stage, filename, content_type, size, object_key,
                        upload_method, upload_expires_at)
      SELECT gen_random_uuid(), t, ${status}, 'parse', 'u.txt', 'text/plain', 10 + g, 'k/' || gen_random_uuid(),
             'PUT', now() + interval '1 hour'
      FROM unnest(${tenants}::text[]) t, generate_series(1, ${perTenant}) g`.execute(db);

describe("the tenant usage counter", () => {
  it("counts a many-row, many-tenant insert, a partial delete and status changes exactly", async () => {
    const tenants = ["usage-a", "usage-b", "usage-c"];
    for (const t of tenants) await sql`INSERT INTO tenants (id) VALUES (${t})`.execute(ctx.db);
    await insertMany(tenants, 500);
    // Jobs that hold nothing must not count, even when inserted in bulk.
    await insertMany(["usage-c"], 7, "cancelled");
    for (const t of tenants) {
      expect(await counter(t)).toEqual(await recount(t));
      expect((await counter(t))?.documents).toBe(500);
    }
    await sql`DELETE FROM jobs WHERE tenant_id IN ('usage-a', 'usage-c') AND size % 3 = 0`.execute(ctx.db);
    await sql`UPDATE jobs SET status = 'cancelled' WHERE tenant_id = 'usage-b' AND size % 5 = 0`.execute(
      ctx.db,
    );
    await sql`UPDATE jobs SET status = 'queued' WHERE tenant_id = 'usage-b' AND size % 7 = 0
              AND status = 'awaiting_upload'`.execute(ctx.db);
    for (const t of tenants) expect(await counter(t)).toEqual(await recount(t));
    expect((await counter("usage-a"))?.documents).toBeLessThan(500);
  });

  it("inserting 20,000 jobs in one statement stays linear (one counter update per tenant)", async () => {
    await sql`INSERT INTO tenants (id) VALUES ('usage-bulk')`.execute(ctx.db);
    // Writes to the counter table by this backend, before and after, in one transaction (the
    // view also shows the backend's earlier, not yet flushed, counts): one version of the
    // counter row, where a per-row trigger wrote 20,000.
    const writes = await ctx.db.transaction().execute(async (trx) => {
      const count = async () =>
        Number(
          (
            await sql<{ n: string }>`SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0) AS n
              FROM pg_stat_xact_user_tables WHERE relname = 'tenant_usage'`.execute(trx)
          ).rows[0]?.n,
        );
      const before = await count();
      await insertMany(["usage-bulk"], 20_000, "awaiting_upload", trx);
      return (await count()) - before;
    });
    expect(writes).toBe(1);
    expect((await counter("usage-bulk"))?.documents).toBe(20_000);
  });
});
