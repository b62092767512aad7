// `npx tsx scripts/bench/claim-at-scale.ts [queued]`: the claim statement at scale, outside the
// test suite (building 1M rows takes about a minute on two busy cores).
//
// 1. EXPLAIN ANALYZE of the claim (in a rolled-back transaction) with `queued` jobs (default
//    1 000 000) queued for one tenant, 1 000 for each of 20 others, and 64 running.
// 2. Fairness: tenant A has 5 000 queued, 32 in-process "workers" run 20 ms no-op jobs, and
//    tenant B queues one job: how long until B's job is claimed, with the claim ordered only by
//    priority and run_after (the statement before fair claiming, kept here as a reference)
//    and with `claimStatement`.
import { type RawBuilder, sql } from "kysely";
import pg from "pg";
import { createDb, type Db } from "../../src/db/database.js";
import { claimStatement } from "../../src/db/sql/claim.js";
import { startStack } from "../../test/support/stack.js";

const QUEUED = Number(process.argv[2] ?? 1_000_000);

async function queue(db: Db, tenant: string, count: number, ageSeconds: number): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO jobs (id, tenant_id, status, stage, filename, content_type, size, object_key,
                      upload_method, upload_expires_at, uploaded_at, run_after)
    SELECT gen_random_uuid(), ${tenant}, 'queued', 'parse', 'f.txt', 'text/plain', 1,
           'scale/' || n || '/' || ${tenant}, 'PUT', now() + interval '1 day', now(),
           now() - make_interval(secs => ${ageSeconds}) + n * interval '1 ms'
    FROM generate_series(1, ${count}) n
    RETURNING id`.execute(db);
  return rows.map((r) => r.id);
}

/** The claim before fair claiming, without its events: the ordering is what is compared. */
const priorityOrderClaim = (limit: number) => sql<{ id: string }>`
  UPDATE jobs SET status = 'running', lease_owner = 'w', lease_expires_at = now() + interval '30 s',
                  attempt = attempt + 1, claimed_at = now(), updated_at = now()
  WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' AND stage = 'parse' AND run_after <= now()
               ORDER BY priority DESC, run_after LIMIT ${limit} FOR UPDATE SKIP LOCKED)
  RETURNING id`;
const fairClaim = (limit: number) =>
  claimStatement({ workerId: "w", stages: ["parse"], limit, leaseSeconds: 30 });

async function explainAtScale(db: Db, url: string): Promise<void> {
  const tenants = ["a", ...Array.from({ length: 20 }, (_, i) => `t${i}`)];
  await sql`INSERT INTO tenants (id) SELECT unnest(${tenants}::text[])`.execute(db);
  const t0 = performance.now();
  await queue(db, "a", QUEUED, 86_400);
  for (const t of tenants.slice(1)) await queue(db, t, 1000, 3600);
  await sql`UPDATE jobs SET status = 'running', lease_owner = 'x', lease_expires_at = now() + interval '1 hour'
            WHERE id IN (SELECT id FROM jobs WHERE tenant_id = 'a' LIMIT 64)`.execute(db);
  await sql`VACUUM ANALYZE jobs`.execute(db);
  console.log(`built ${QUEUED + 20_000} queued jobs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const [limit, cap] of [
    [16, null],
    [16, 8],
    [1, null],
  ] as const) {
    const c = claimStatement({
      workerId: "w",
      stages: ["parse", "chunk", "embed"],
      limit,
      leaseSeconds: 30,
      maxRunningPerStage: cap,
    }).compile(db);
    await client.query("BEGIN");
    const plan = await client.query<{ "QUERY PLAN": string }>(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${c.sql}`,
      [...c.parameters],
    );
    await client.query("ROLLBACK");
    console.log(`\n=== EXPLAIN ANALYZE claim limit=${limit} cap=${cap ?? "none"} ===`);
    console.log(plan.rows.map((r) => r["QUERY PLAN"]).join("\n"));
  }
  // Workers run the claim with a generic plan (createDb's genericPlans): show that plan, and time
  // it at this scale, since it is made once from whatever the statistics were.
  // As the worker's claim connection is set (createDb's genericPlans).
  await client.query("SET plan_cache_mode = force_generic_plan");
  await client.query("SET enable_seqscan = off");
  const generic = claimStatement({
    workerId: "w",
    stages: ["parse", "chunk", "embed"],
    limit: 16,
    leaseSeconds: 30,
  }).compile(db);
  const shown = await client.query<{ "QUERY PLAN": string }>(
    `EXPLAIN (GENERIC_PLAN, COSTS OFF) ${generic.sql}`,
  );
  console.log("\n=== EXPLAIN (GENERIC_PLAN) claim limit=16, as workers run it ===");
  console.log(shown.rows.map((r) => r["QUERY PLAN"]).join("\n"));
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    await client.query("BEGIN");
    const t0 = performance.now();
    await client.query({ name: "claim", text: generic.sql, values: [...generic.parameters] });
    times.push(performance.now() - t0);
    await client.query("ROLLBACK");
  }
  times.sort((a, b) => a - b);
  console.log(
    `generic-plan claim of 16 at this scale: p50 ${times[10]!.toFixed(2)} ms, max ${times[19]!.toFixed(2)} ms`,
  );
  await client.end();
}

async function fairness(db: Db, claim: (limit: number) => RawBuilder<{ id: string }>): Promise<number> {
  await sql`DELETE FROM jobs`.execute(db);
  await sql`INSERT INTO tenants (id) VALUES ('a'), ('b') ON CONFLICT DO NOTHING`.execute(db);
  await queue(db, "a", 5000, 3600);
  const WORKERS = 32;
  const JOB_MS = 20;
  let bId: string | undefined;
  let bQueuedAt = 0;
  let bClaimedAt = 0;
  const finish = (id: string) =>
    sql`UPDATE jobs SET status = 'completed', lease_owner = NULL, lease_expires_at = NULL, finished_at = now()
        WHERE id = ${id}`.execute(db);
  const worker = async () => {
    while (!bClaimedAt) {
      const { rows } = await claim(1).execute(db);
      const id = rows[0]?.id;
      if (!id) return;
      if (id === bId) bClaimedAt = performance.now();
      await new Promise((r) => setTimeout(r, JOB_MS));
      await finish(id);
    }
  };
  const running = Array.from({ length: WORKERS }, worker);
  await new Promise((r) => setTimeout(r, 500));
  [bId] = await queue(db, "b", 1, 0);
  bQueuedAt = performance.now();
  await Promise.all(running);
  return bClaimedAt - bQueuedAt;
}

const stack = await startStack("intake-claim-scale");
try {
  const url = await stack.createDatabase("claim_scale");
  const db = createDb({ connectionString: url, max: 40 });
  try {
    const before = await fairness(db, priorityOrderClaim);
    const after = await fairness(db, fairClaim);
    console.log(
      `fairness: tenant A 5000 queued, 32 workers × 20 ms jobs; tenant B's job claimed after ` +
        `${before.toFixed(0)} ms ordered by priority, run_after; ${after.toFixed(0)} ms with fair claiming`,
    );
    await sql`DELETE FROM jobs`.execute(db);
    await sql`DELETE FROM tenants`.execute(db);
    await explainAtScale(db, url);
  } finally {
    await db.destroy();
  }
} finally {
  await stack.stop();
}
