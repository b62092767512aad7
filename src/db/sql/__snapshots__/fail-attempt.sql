select "id", "tenant_id", "status", "stage", "filename", "content_type", "size", "object_key", "object_etag", "attempt", "max_attempts", "releases", "lease_owner", "generation", "settings", "uploaded_at", "warnings", "content_sha256", "pipeline_key" from "jobs" where (jobs.id = $1::uuid AND jobs.lease_owner = $2
AND jobs.attempt = $3::int AND jobs.stage = $4 AND jobs.status = 'running') for update;
-- 4 parameters

update "jobs" set "status" = $1, "run_after" = now() + make_interval(secs => $2), "lease_owner" = $3, "lease_expires_at" = $4, "error_code" = $5, "error_message" = $6, "error_stage" = $7, "error_retryable" = $8, "finished_at" = $9, "updated_at" = now() where "id" = $10 returning *;
-- 10 parameters

/* prepared */
WITH events AS (
INSERT INTO job_events (job_id, tenant_id, type, data) SELECT * FROM unnest(
$1::uuid[],
$2::text[],
$3::text[],
$4::jsonb[])
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($5, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
)
SELECT events.id FROM events, notified ORDER BY events.id;
-- 5 parameters
