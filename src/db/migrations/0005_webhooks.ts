import { type Kysely, sql } from "kysely";

// Outbound webhooks (Standard Webhooks): endpoints per tenant, one delivery row per (event,
// endpoint) written by the event's own transaction (the outbox, see src/db/sql/webhook-outbox.ts),
// and one row per HTTP attempt.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      url text NOT NULL CHECK (length(url) <= 2048),
      description text CHECK (length(description) <= 500),
      -- NULL: every event type.
      events text[] CHECK (events IS NULL OR cardinality(events) > 0),
      -- The signing secret, 'whsec_' + base64. Stored as is: HMAC needs the secret itself.
      secret text NOT NULL,
      -- After a rotation the old secret also signs until it expires, so receivers can switch.
      previous_secret text,
      previous_secret_expires_at timestamptz,
      -- Set by the first failed attempt after a success; cleared by a success.
      failing_since timestamptz,
      disabled_at timestamptz,
      disabled_reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, created_at);

    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
      tenant_id text NOT NULL,
      -- The job_events row that caused it; no foreign key, so a later delete of the job
      -- (job.deleted) keeps its deliveries.
      event_id bigint NOT NULL,
      job_id uuid NOT NULL,
      type text NOT NULL,
      -- The job row and its output counts as the event's transaction saw them: the payload's
      -- data.job is built from this, so every retry sends the same job.
      job jsonb NOT NULL,
      occurred_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','succeeded','failed')),
      -- Attempts so far, never reset; a redelivery starts a new round of retries at
      -- round_start = attempt, so attempt numbers stay unique in webhook_attempts.
      attempt integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
      round_start integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_owner text,
      lease_expires_at timestamptz,
      last_status_code integer,
      last_error text,
      delivered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (event_id, endpoint_id)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id);

    CREATE TABLE webhook_attempts (
      id bigserial PRIMARY KEY,
      delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
      attempt integer NOT NULL,
      status_code integer,
      error text,
      duration_ms integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE webhook_attempts; DROP TABLE webhook_deliveries; DROP TABLE webhook_endpoints`.execute(
    db,
  );
}
