import { type Kysely, sql } from "kysely";

// Fair claiming across tenants (see docs/design-notes.md, "Fair claiming").
//
// - `max_running_per_stage`: a tenant's cap on running jobs per stage (NULL: the process's
//   INTAKE_TENANT_MAX_RUNNING_PER_STAGE, itself unlimited when unset).
// - `claim_share`: the tenant's weight when tenants compete for workers (default 1).
// - `max_priority`: the highest `priority` the tenant may ask for (NULL: INTAKE_MAX_PRIORITY).
//
// `jobs_claimable_by_tenant` lets the claim walk the tenants with queued work of a stage (a
// skip scan: one index probe per tenant) and take each tenant's next jobs in priority order.
// `jobs_running_by_tenant` counts a tenant's running jobs of a stage without touching the rest.
//
// `intake_claim_slots` is VOLATILE on purpose: Postgres gives a volatile function a fresh
// snapshot for each query it runs, so the count it takes after winning the (tenant, stage)
// advisory lock sees every claim that committed before, even one that committed after the
// calling claim statement began. A claim that loses the try-lock takes nothing of that tenant
// and stage (as SKIP LOCKED skips a row), so two claimers never wait on each other.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE tenants
      ADD COLUMN max_running_per_stage integer CHECK (max_running_per_stage >= 0),
      ADD COLUMN claim_share integer NOT NULL DEFAULT 1 CHECK (claim_share BETWEEN 1 AND 1000),
      ADD COLUMN max_priority integer CHECK (max_priority BETWEEN 0 AND 1000)`.execute(db);
  await sql`
    CREATE INDEX jobs_claimable_by_tenant ON jobs (stage, tenant_id, priority DESC, run_after)
      WHERE status = 'queued'`.execute(db);
  await sql`CREATE INDEX jobs_running_by_tenant ON jobs (tenant_id, stage) WHERE status = 'running'`.execute(
    db,
  );
  await sql`
    CREATE FUNCTION intake_claim_slots(p_tenant text, p_stage text, p_cap integer) RETURNS integer
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      IF NOT pg_try_advisory_xact_lock(hashtextextended('intake_claim:' || p_stage || ':' || p_tenant, 0)) THEN
        RETURN 0;
      END IF;
      RETURN greatest(p_cap - (SELECT count(*) FROM jobs
                               WHERE status = 'running' AND tenant_id = p_tenant AND stage = p_stage), 0);
    END
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION intake_claim_slots(text, text, integer)`.execute(db);
  await sql`DROP INDEX jobs_running_by_tenant`.execute(db);
  await sql`DROP INDEX jobs_claimable_by_tenant`.execute(db);
  await sql`ALTER TABLE tenants DROP COLUMN max_running_per_stage, DROP COLUMN claim_share, DROP COLUMN max_priority`.execute(
    db,
  );
}
