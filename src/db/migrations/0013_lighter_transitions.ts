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
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX jobs_claimable`.execute(db);
  await sql`
    DROP TRIGGER jobs_tenant_usage_update ON jobs;
    CREATE TRIGGER jobs_tenant_usage_update AFTER UPDATE OF status, size ON jobs
      FOR EACH ROW WHEN (intake_job_counts(OLD.status) IS DISTINCT FROM intake_job_counts(NEW.status)
                         OR OLD.size IS DISTINCT FROM NEW.size)
      EXECUTE FUNCTION intake_track_tenant_usage()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER jobs_tenant_usage_update ON jobs;
    CREATE TRIGGER jobs_tenant_usage_update AFTER UPDATE OF status, size ON jobs
      FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.size IS DISTINCT FROM NEW.size)
      EXECUTE FUNCTION intake_track_tenant_usage()`.execute(db);
  await sql`CREATE INDEX jobs_claimable ON jobs (stage, priority DESC, run_after) WHERE status = 'queued'`.execute(
    db,
  );
}
