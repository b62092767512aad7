update "jobs" set "status" = $1, "stage" = $2, "uploaded_at" = now(), "run_after" = now(), "object_etag" = $3, "content_sha256" = "sha256", "updated_at" = now() where "id" = $4 and "status" in ($5) returning *;
-- 5 parameters

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
