import { type Kysely, sql } from "kysely";

// A lease (owner and expiry) exactly when running. The first CHECK (jobs_check) tied `running`
// to both being set, which let a job that is not running keep an owner without an expiry. The
// stage end and the lease extension find a job by its fence alone (owner, attempt, stage) with
// no status qual (see end-stages.ts), so an owner must mean running. Every statement that moves
// a job out of `running` already clears both; NOT VALID then VALIDATE checks the existing rows
// without blocking writes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE jobs ADD CONSTRAINT jobs_lease_only_when_running CHECK (
      (status = 'running') = (lease_owner IS NOT NULL)
      AND (status = 'running') = (lease_expires_at IS NOT NULL)) NOT VALID`.execute(db);
  await sql`ALTER TABLE jobs VALIDATE CONSTRAINT jobs_lease_only_when_running`.execute(db);
  await sql`ALTER TABLE jobs DROP CONSTRAINT jobs_check`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE jobs ADD CONSTRAINT jobs_check
    CHECK ((status = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))`.execute(db);
  await sql`ALTER TABLE jobs DROP CONSTRAINT jobs_lease_only_when_running`.execute(db);
}
