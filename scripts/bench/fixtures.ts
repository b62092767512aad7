import { sql } from "kysely";
import type { Db } from "../../src/db/database.js";

export const BENCH_TENANT = "bench";

export async function ensureTenant(db: Db, tenant = BENCH_TENANT): Promise<void> {
  await sql`INSERT INTO tenants (id) VALUES (${tenant}) ON CONFLICT DO NOTHING`.execute(db);
}

/**
 * Inserts `count` jobs of a tiny declared file in one statement, either `awaiting_upload` (a
 * completion will queue them) or already `queued` at parse (a throughput run drains them).
 */
export async function insertJobs(
  db: Db,
  count: number,
  status: "awaiting_upload" | "queued",
): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO jobs (id, tenant_id, status, stage, filename, content_type, size, object_key,
                      upload_method, upload_expires_at, uploaded_at)
    SELECT g.id, ${BENCH_TENANT}, ${status}, 'parse', 'bench.txt', 'text/plain', 1,
           'bench/' || g.id, 'PUT', now() + interval '1 day',
           CASE WHEN ${status} = 'queued' THEN now() END
    FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, ${count})) g
    RETURNING id`.execute(db);
  return rows.map((r) => r.id);
}
