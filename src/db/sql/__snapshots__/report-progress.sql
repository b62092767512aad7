/* prepared */
WITH reported AS (
UPDATE jobs SET progress = $1::jsonb, updated_at = now()
WHERE (jobs.id = $2::uuid AND jobs.lease_owner = $3
AND jobs.attempt = $4::int AND jobs.stage = $5 AND jobs.status = 'running')
RETURNING id, tenant_id, stage
), events AS (
INSERT INTO job_events (job_id, tenant_id, type, data) SELECT id, tenant_id, 'progress', jsonb_build_object('stage', stage) || $6::jsonb FROM reported
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($7, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
)
SELECT reported.id FROM reported, notified;
-- 7 parameters
