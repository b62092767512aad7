UPDATE jobs SET
status = CASE WHEN attempt < max_attempts THEN 'queued' ELSE 'failed' END,
lease_owner = NULL, lease_expires_at = NULL, run_after = now(), updated_at = now(),
error_code = CASE WHEN attempt < max_attempts THEN error_code ELSE 'lease_expired' END,
error_message = CASE WHEN attempt < max_attempts THEN error_message
ELSE 'the worker holding this job stopped responding on its last attempt' END,
error_stage = CASE WHEN attempt < max_attempts THEN error_stage ELSE stage END,
error_retryable = CASE WHEN attempt < max_attempts THEN error_retryable ELSE true END,
finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE now() END
WHERE id IN (
SELECT id FROM jobs WHERE status IN ('running') AND lease_expires_at < now()
ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING *;
-- 1 parameters

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
