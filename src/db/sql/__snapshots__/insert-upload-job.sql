WITH inserted AS (insert into "jobs" ("id", "tenant_id", "status", "stage", "attempt", "max_attempts", "releases", "size", "lease_owner", "content_sha256", "pipeline_key", "created_at", "documents", "chunks", "embeddings", "attempts", "idempotency_key", "upload_expires_at") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now() + make_interval(secs => $18)) on conflict ("tenant_id", "idempotency_key") where "idempotency_key" is not null do nothing returning *), events AS (
INSERT INTO job_events (job_id, tenant_id, type, data) SELECT id, tenant_id, 'created', jsonb_build_object('status', status, 'filename', filename, 'size', size)
FROM inserted
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($19, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
)
SELECT inserted.* FROM inserted, notified;
-- 19 parameters

select "bytes", "documents" from "tenant_usage" where "tenant_id" = $1;
-- 1 parameters
