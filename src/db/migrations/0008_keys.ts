import { type Kysely, sql } from "kysely";

// Key management (issue 14 §4): when a key was last used, written at most once a minute per key
// (see touch-api-key.ts), and an index for listing a tenant's keys newest first.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz`.execute(db);
  await sql`CREATE INDEX api_keys_tenant_created ON api_keys (tenant_id, created_at DESC)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX api_keys_tenant_created`.execute(db);
  await sql`ALTER TABLE api_keys DROP COLUMN last_used_at`.execute(db);
}
