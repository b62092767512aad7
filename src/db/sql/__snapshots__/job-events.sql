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

/* prepared */ SELECT pg_notify($1, $2);
-- 2 parameters
