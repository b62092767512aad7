import { type Kysely, sql } from "kysely";

// Quotas and rate limits shared by every instance (see src/quotas):
//
// - tenant_limits: per-tenant overrides set by `intake tenants set-limits`; a NULL column means
//   "the configured default" (INTAKE_TENANT_*), 0 means unlimited.
// - tenant_upload_buckets: one token bucket per tenant for uploads per minute, taken from in one
//   INSERT … ON CONFLICT DO UPDATE, so concurrent creates on any instance serialize on the row.
// - tenant_usage: bytes and documents of each tenant's live jobs, maintained by a trigger on
//   jobs. The trigger is what keeps the count right whichever statement ends a job (expire,
//   cancel, a DELETE of the row or a future status): every path that changes a job's status,
//   size or existence adjusts the counter in the same transaction. A job counts until it is
//   expired or cancelled (or deleted); completed and failed jobs keep their stored data, so they
//   count. Creates check the counter after their insert, under the row lock the trigger took.
// - sse_stream_slots: slot n of a tenant's `max streams` held by one open SSE stream, with an
//   expiry its process keeps pushing forward; a process that dies stops renewing, and its
//   slots become free when they expire.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE tenant_limits (
      tenant_id text PRIMARY KEY,
      uploads_per_minute integer CHECK (uploads_per_minute >= 0),
      max_bytes bigint CHECK (max_bytes >= 0),
      max_documents integer CHECK (max_documents >= 0),
      max_streams integer CHECK (max_streams >= 0),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE tenant_upload_buckets (
      tenant_id text PRIMARY KEY,
      tokens double precision NOT NULL,
      refilled_at timestamptz NOT NULL,
      -- Whether the last call took a token: RETURNING sees only the new row, and a refusal
      -- must report the bucket as this statement found it under the lock, not a stale snapshot.
      last_taken boolean NOT NULL DEFAULT true
    );

    CREATE TABLE tenant_usage (
      tenant_id text PRIMARY KEY,
      bytes bigint NOT NULL DEFAULT 0,
      documents integer NOT NULL DEFAULT 0
    );

    CREATE TABLE sse_stream_slots (
      tenant_id text NOT NULL,
      slot integer NOT NULL,
      stream_id uuid NOT NULL,
      holder text NOT NULL,
      acquired_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, slot)
    );
    CREATE UNIQUE INDEX sse_stream_slots_stream ON sse_stream_slots (stream_id);
    CREATE INDEX sse_stream_slots_holder ON sse_stream_slots (holder);

    -- 1 when a job in this status holds its upload's bytes and a document slot.
    CREATE FUNCTION intake_job_counts(status text) RETURNS integer
      LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN status IN ('expired', 'cancelled', 'deleted') THEN 0 ELSE 1 END $$;

    CREATE FUNCTION intake_track_tenant_usage() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      d_docs integer := 0;
      d_bytes bigint := 0;
      tenant text;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        tenant := NEW.tenant_id;
        d_docs := intake_job_counts(NEW.status);
        d_bytes := d_docs * NEW.size;
      ELSIF TG_OP = 'DELETE' THEN
        tenant := OLD.tenant_id;
        d_docs := -intake_job_counts(OLD.status);
        d_bytes := d_docs * OLD.size;
      ELSE
        tenant := NEW.tenant_id;
        d_docs := intake_job_counts(NEW.status) - intake_job_counts(OLD.status);
        d_bytes := intake_job_counts(NEW.status) * NEW.size - intake_job_counts(OLD.status) * OLD.size;
      END IF;
      IF d_docs <> 0 OR d_bytes <> 0 THEN
        INSERT INTO tenant_usage AS u (tenant_id, bytes, documents) VALUES (tenant, d_bytes, d_docs)
          ON CONFLICT (tenant_id) DO UPDATE
          SET bytes = u.bytes + EXCLUDED.bytes, documents = u.documents + EXCLUDED.documents;
      END IF;
      RETURN NULL;
    END $$;

    CREATE TRIGGER jobs_tenant_usage_insert AFTER INSERT OR DELETE ON jobs
      FOR EACH ROW EXECUTE FUNCTION intake_track_tenant_usage();
    CREATE TRIGGER jobs_tenant_usage_update AFTER UPDATE OF status, size ON jobs
      FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.size IS DISTINCT FROM NEW.size)
      EXECUTE FUNCTION intake_track_tenant_usage();

    INSERT INTO tenant_usage (tenant_id, bytes, documents)
      SELECT tenant_id, sum(size), count(*) FROM jobs
      WHERE intake_job_counts(status) = 1 GROUP BY tenant_id;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER jobs_tenant_usage_update ON jobs;
    DROP TRIGGER jobs_tenant_usage_insert ON jobs;
    DROP FUNCTION intake_track_tenant_usage();
    DROP FUNCTION intake_job_counts(text);
    DROP TABLE sse_stream_slots, tenant_usage, tenant_upload_buckets, tenant_limits;
  `.execute(db);
}
