import { type Kysely, sql } from "kysely";

// Every stage transition rewrites the job row and each index the new row falls under, so
// what a transition touches is what a no-op stage costs (see `npm run bench`).
//
// - `jobs_claimable` (stage, priority, run_after) WHERE queued is covered by
//   `jobs_claimable_by_tenant` (stage, tenant_id, priority, run_after) WHERE queued, which the
//   claim walks; the live-jobs gauge counts queued jobs per stage from it as well.
// - The tenant-usage trigger fired on every status change and did nothing unless the change
//   moved a job in or out of the statuses that hold its bytes; its WHEN now says exactly that,
//   which Postgres evaluates without entering PL/pgSQL.
// - Inserts and deletes adjust tenant_usage once per statement and tenant (transition tables)
//   instead of once per row: each per-row upsert left a dead version of the tenant's counter
//   row that the next one's unique check walked, so inserting n jobs in one transaction took
//   O(n²) (60,000 jobs: over 12 s).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX jobs_claimable`.execute(db);
  await sql`
    DROP TRIGGER jobs_tenant_usage_update ON jobs;
    CREATE TRIGGER jobs_tenant_usage_update AFTER UPDATE OF status, size ON jobs
      FOR EACH ROW WHEN (intake_job_counts(OLD.status) IS DISTINCT FROM intake_job_counts(NEW.status)
                         OR OLD.size IS DISTINCT FROM NEW.size)
      EXECUTE FUNCTION intake_track_tenant_usage();

    CREATE FUNCTION intake_track_tenant_usage_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Tenants in order, so that two statements lock their counter rows in the same order.
      IF TG_OP = 'INSERT' THEN
        INSERT INTO tenant_usage AS u (tenant_id, bytes, documents)
          SELECT tenant_id, sum(intake_job_counts(status) * size)::bigint, sum(intake_job_counts(status))
          FROM new_rows GROUP BY tenant_id HAVING sum(intake_job_counts(status)) <> 0 ORDER BY tenant_id
          ON CONFLICT (tenant_id) DO UPDATE
          SET bytes = u.bytes + EXCLUDED.bytes, documents = u.documents + EXCLUDED.documents;
      ELSE
        INSERT INTO tenant_usage AS u (tenant_id, bytes, documents)
          SELECT tenant_id, -sum(intake_job_counts(status) * size)::bigint, -sum(intake_job_counts(status))
          FROM old_rows GROUP BY tenant_id HAVING sum(intake_job_counts(status)) <> 0 ORDER BY tenant_id
          ON CONFLICT (tenant_id) DO UPDATE
          SET bytes = u.bytes + EXCLUDED.bytes, documents = u.documents + EXCLUDED.documents;
      END IF;
      RETURN NULL;
    END $$;

    DROP TRIGGER jobs_tenant_usage_insert ON jobs;
    CREATE TRIGGER jobs_tenant_usage_insert AFTER INSERT ON jobs
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION intake_track_tenant_usage_rows();
    CREATE TRIGGER jobs_tenant_usage_delete AFTER DELETE ON jobs
      REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION intake_track_tenant_usage_rows()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER jobs_tenant_usage_delete ON jobs;
    DROP TRIGGER jobs_tenant_usage_insert ON jobs;
    DROP FUNCTION intake_track_tenant_usage_rows();
    CREATE TRIGGER jobs_tenant_usage_insert AFTER INSERT OR DELETE ON jobs
      FOR EACH ROW EXECUTE FUNCTION intake_track_tenant_usage();
    DROP TRIGGER jobs_tenant_usage_update ON jobs;
    CREATE TRIGGER jobs_tenant_usage_update AFTER UPDATE OF status, size ON jobs
      FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.size IS DISTINCT FROM NEW.size)
      EXECUTE FUNCTION intake_track_tenant_usage()`.execute(db);
  await sql`CREATE INDEX jobs_claimable ON jobs (stage, priority DESC, run_after) WHERE status = 'queued'`.execute(
    db,
  );
}
