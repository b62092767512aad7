import pg from "pg";
import type { Stack } from "../../test/support/stack.js";

/**
 * Single-row UPDATE commits per second (autocommit, one row per client so clients never wait
 * on each other's locks) with 1 and 16 clients: what this Postgres can commit at all.
 */
export async function measureCommitCeiling(
  stack: Stack,
  clients: number,
  durationMs: number,
): Promise<number> {
  const url = await stack.createDatabase(`bench_ceiling_${clients}`);
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query("CREATE TABLE ceiling (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0)");
  await setup.query("INSERT INTO ceiling (id) SELECT generate_series(1, $1::int)", [clients]);
  await setup.end();
  const conns = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  let commits = 0;
  const end = performance.now() + durationMs;
  const t0 = performance.now();
  await Promise.all(
    conns.map(async (c, i) => {
      while (performance.now() < end) {
        await c.query({ name: "bump", text: "UPDATE ceiling SET n = n + 1 WHERE id = $1", values: [i + 1] });
        commits++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(conns.map((c) => c.end()));
  return commits / seconds;
}
