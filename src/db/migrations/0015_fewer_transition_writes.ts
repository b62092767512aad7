import { type Kysely, sql } from "kysely";

// What a no-op stage costs Postgres is mostly index entries: a status change cannot be a HOT
// update, so every index the new row version falls under gets an entry (see `npm run bench`,
// "pg CPU µs per job"). Two of them, and the foreign-key check on each event, bought nothing:
//
// - `jobs_leases (lease_expires_at) WHERE running` served the reaper's scan for expired leases.
//   `jobs_running_by_tenant` holds the same rows (running jobs, bounded by the workers' slots),
//   so the reaper reads that and filters. Without an index on the expiry, a lease extension
//   that leaves the page's other indexes alone can also be a HOT update.
// - `job_events` kept a primary key on `id` and an index on (job_id, id); every read is by job
//   (a stream's "events after id"). The primary key is now (job_id, id): `id` still comes from
//   the sequence, so it stays unique.
// - The foreign key to `jobs` checked, per event, that the job exists, with a trigger and an
//   index probe. Every event is written by a statement that has just inserted, updated or
//   locked its job row, and intake never deletes a job row (a deleted job keeps its row, in
//   status `deleted`), so the check could not fail. Rows deleted by hand (or with their tenant,
//   which cascades to jobs) now leave their events behind.
//
// Both index builds lock `job_events` against writes while they run.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX jobs_leases;
    ALTER TABLE job_events DROP CONSTRAINT job_events_job_id_fkey;
    CREATE UNIQUE INDEX job_events_by_job ON job_events (job_id, id);
    ALTER TABLE job_events DROP CONSTRAINT job_events_pkey,
      ADD CONSTRAINT job_events_pkey PRIMARY KEY USING INDEX job_events_by_job;
    DROP INDEX job_events_job`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX job_events_job ON job_events (job_id, id);
    ALTER TABLE job_events DROP CONSTRAINT job_events_pkey, ADD PRIMARY KEY (id);
    -- NOT VALID: events of jobs deleted by hand since the upgrade would fail the check.
    ALTER TABLE job_events ADD CONSTRAINT job_events_job_id_fkey
      FOREIGN KEY (job_id) REFERENCES jobs(id) ON DELETE CASCADE NOT VALID;
    CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'running'`.execute(db);
}
