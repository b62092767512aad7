import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepared } from "../src/db/prepared.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

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
});
