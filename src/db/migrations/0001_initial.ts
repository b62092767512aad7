import { type Kysely, sql } from "kysely";

// Shipped migrations are append-only: add a new file, never edit this one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE tenants (
      id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      -- sha256 of the key: keys are high-entropy random strings, so a fast hash is enough
      -- and lets every request find its key with one indexed lookup.
      key_hash text NOT NULL UNIQUE,
      key_prefix text NOT NULL,
      label text,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );

    CREATE TABLE jobs (
      id uuid PRIMARY KEY,
      tenant_id text NOT NULL REFERENCES tenants(id),
      status text NOT NULL CHECK (status IN
        ('awaiting_upload','queued','running','completed','failed','expired','cancelled')),
      stage text NOT NULL CHECK (stage IN ('parse','chunk','embed')),
      filename text NOT NULL,
      content_type text NOT NULL,
      size bigint NOT NULL CHECK (size >= 0),
      sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      object_key text NOT NULL UNIQUE,
      upload_method text NOT NULL CHECK (upload_method IN ('PUT','POST','multipart')),
      multipart_upload_id text,
      upload_expires_at timestamptz NOT NULL,
      -- When the reconciler may next look at an awaiting upload; taking a batch moves it
      -- forward, so reconcilers in many processes never HEAD the same upload at once.
      next_reconcile_at timestamptz NOT NULL DEFAULT now(),
      -- ETag HEAD saw at verification; workers read with If-Match so a replaced object is caught.
      object_etag text,
      idempotency_key text,
      metadata jsonb NOT NULL DEFAULT '{}',
      attempt integer NOT NULL DEFAULT 0,
      max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
      run_after timestamptz NOT NULL DEFAULT now(),
      lease_owner text,
      lease_expires_at timestamptz,
      priority integer NOT NULL DEFAULT 0,
      progress jsonb NOT NULL DEFAULT '{}',
      error_code text,
      error_message text,
      error_stage text,
      error_retryable boolean,
      content_sha256 text,
      -- Hash of the pipeline settings the job runs with; dedup reuses outputs only when equal.
      pipeline_key text NOT NULL DEFAULT '',
      reused_from uuid REFERENCES jobs(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      uploaded_at timestamptz,
      claimed_at timestamptz,
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      -- A running job always has a lease; nothing else has one.
      CHECK ((status = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
    );
    CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (tenant_id, idempotency_key)
      WHERE idempotency_key IS NOT NULL;
    -- The claim query reads only queued jobs of some stages in priority order: this partial
    -- index keeps it an index scan however many finished jobs the table holds.
    CREATE INDEX jobs_claimable ON jobs (stage, priority DESC, run_after) WHERE status = 'queued';
    CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'running';
    CREATE INDEX jobs_awaiting ON jobs (next_reconcile_at) WHERE status = 'awaiting_upload';
    CREATE INDEX jobs_tenant_list ON jobs (tenant_id, created_at DESC, id DESC);
    CREATE INDEX jobs_dedup ON jobs (tenant_id, content_sha256, pipeline_key) WHERE status = 'completed';

    CREATE TABLE job_events (
      id bigserial PRIMARY KEY,
      job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
      tenant_id text NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX job_events_job ON job_events (job_id, id);

    CREATE TABLE documents (
      job_id uuid PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
      detected_type text NOT NULL,
      text_key text NOT NULL,
      chars bigint NOT NULL,
      page_count integer NOT NULL,
      pages jsonb NOT NULL DEFAULT '[]',
      sections jsonb NOT NULL DEFAULT '[]',
      metadata jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE chunks (
      id bigserial PRIMARY KEY,
      job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
      seq integer NOT NULL,
      text text NOT NULL,
      start_offset bigint NOT NULL,
      end_offset bigint NOT NULL,
      page integer,
      token_count integer NOT NULL,
      UNIQUE (job_id, seq)
    );

    CREATE TABLE embeddings (
      chunk_id bigint PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
      job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
      model text NOT NULL,
      dimensions integer NOT NULL,
      vector real[] NOT NULL
    );
    CREATE INDEX embeddings_job ON embeddings (job_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE embeddings, chunks, documents, job_events, jobs, api_keys, tenants`.execute(db);
}
