import { type Kysely, sql } from "kysely";

// Delete, retention and reprocess (issue 14 §2-3).
// - `deleted` is a status: the row stays as a tombstone (404 to the tenant), so the `deleted`
//   event, its webhook and the reusers that point at it (`reused_from`) keep a row to refer to.
//   `deleted_at` starts the purge; `purged_at` records the last pass that removed its data.
// - Outputs carry a generation. Readers see `output_generation`; a reprocess writes
//   `generation` (one more) and the stage commit that completes the job flips the pointer;
//   `outputs_published` says a complete set exists (readable while a reprocess runs).
// - `settings` holds per-job pipeline settings that override the process's (reprocess).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE jobs DROP CONSTRAINT jobs_status_check`.execute(db);
  await sql`ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN
    ('awaiting_upload','queued','running','completed','failed','expired','cancelled','deleted'))`.execute(db);
  await sql`ALTER TABLE jobs
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN purged_at timestamptz,
    ADD COLUMN generation integer NOT NULL DEFAULT 0,
    ADD COLUMN output_generation integer NOT NULL DEFAULT 0,
    ADD COLUMN settings jsonb,
    ADD COLUMN outputs_published boolean NOT NULL DEFAULT false`.execute(db);
  await sql`UPDATE jobs SET outputs_published = true WHERE status = 'completed'`.execute(db);
  await sql`CREATE INDEX jobs_to_purge ON jobs (deleted_at) WHERE status = 'deleted'`.execute(db);
  await sql`CREATE INDEX jobs_finished ON jobs (finished_at)
    WHERE status IN ('completed','failed','expired','cancelled')`.execute(db);
  await sql`CREATE INDEX jobs_reused_from ON jobs (reused_from) WHERE reused_from IS NOT NULL`.execute(db);

  await sql`ALTER TABLE chunks ADD COLUMN generation integer NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE chunks DROP CONSTRAINT chunks_job_id_seq_key`.execute(db);
  await sql`ALTER TABLE chunks ADD CONSTRAINT chunks_job_id_generation_seq_key UNIQUE (job_id, generation, seq)`.execute(
    db,
  );
  await sql`ALTER TABLE documents ADD COLUMN generation integer NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE documents DROP CONSTRAINT documents_pkey`.execute(db);
  await sql`ALTER TABLE documents ADD PRIMARY KEY (job_id, generation)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM documents WHERE generation <> 0`.execute(db);
  await sql`ALTER TABLE documents DROP CONSTRAINT documents_pkey`.execute(db);
  await sql`ALTER TABLE documents ADD PRIMARY KEY (job_id)`.execute(db);
  await sql`ALTER TABLE documents DROP COLUMN generation`.execute(db);
  await sql`DELETE FROM chunks WHERE generation <> 0`.execute(db);
  await sql`ALTER TABLE chunks DROP CONSTRAINT chunks_job_id_generation_seq_key`.execute(db);
  await sql`ALTER TABLE chunks ADD CONSTRAINT chunks_job_id_seq_key UNIQUE (job_id, seq)`.execute(db);
  await sql`ALTER TABLE chunks DROP COLUMN generation`.execute(db);
  await sql`DROP INDEX jobs_reused_from`.execute(db);
  await sql`DROP INDEX jobs_finished`.execute(db);
  await sql`DROP INDEX jobs_to_purge`.execute(db);
  await sql`ALTER TABLE jobs DROP COLUMN deleted_at, DROP COLUMN purged_at, DROP COLUMN generation,
    DROP COLUMN output_generation, DROP COLUMN settings, DROP COLUMN outputs_published`.execute(db);
  await sql`DELETE FROM jobs WHERE status = 'deleted'`.execute(db);
  await sql`ALTER TABLE jobs DROP CONSTRAINT jobs_status_check`.execute(db);
  await sql`ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN
    ('awaiting_upload','queued','running','completed','failed','expired','cancelled'))`.execute(db);
}
