WITH claimed AS (
UPDATE jobs SET
status = 'running',
lease_owner = $1,
lease_expires_at = now() + make_interval(secs => $2),
attempt = attempt + 1,
claimed_at = now(),
started_at = coalesce(started_at, now()),
updated_at = now()
WHERE id IN (
SELECT id FROM jobs
WHERE status IN ('queued') AND stage = ANY($3::text[]) AND run_after <= now()
ORDER BY priority DESC, run_after
LIMIT $4
FOR UPDATE SKIP LOCKED)
RETURNING *
), events AS (
INSERT INTO job_events (job_id, tenant_id, type, data)
SELECT id, tenant_id, 'stage_started',
jsonb_build_object('status', 'running', 'stage', stage, 'attempt', attempt, 'worker', lease_owner)
FROM claimed
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($5, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
)
SELECT claimed.* FROM claimed, notified;
-- 5 parameters
