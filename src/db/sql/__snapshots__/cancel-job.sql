update "jobs" set "status" = $1, "lease_owner" = $2, "lease_expires_at" = $3, "finished_at" = now(), "updated_at" = now() where "id" = $4 and "status" in ($5, $6, $7, $8) returning *;
-- 8 parameters

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
