/* prepared */
WITH queued AS (
UPDATE jobs SET status = 'queued', stage = 'parse', uploaded_at = now(), run_after = now(),
object_etag = $1::text,
content_sha256 = coalesce($2::text, jobs.sha256),
updated_at = now()
WHERE jobs.id = $3::uuid AND jobs.status = ANY($4::text[])
RETURNING jobs.*
), events AS (
INSERT INTO job_events (job_id, tenant_id, type, data) SELECT id, tenant_id, 'uploaded', jsonb_build_object('status', 'queued', 'stage', 'parse',
'source', $5::text, 'size', size) FROM queued
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($6, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
), woken AS (
SELECT count(pg_notify($7, $8 || id::text)) AS n FROM queued
)
SELECT queued.* FROM queued, notified, woken;
-- 8 parameters

/* prepared */
WITH held AS MATERIALIZED (
SELECT pg_advisory_xact_lock(hashtextextended('intake:verify:' || $1::text, 0)) AS held
), released AS MATERIALIZED (
SELECT pg_advisory_unlock(hashtextextended('intake:verify:' || $2::text, 0)) AS verification_released FROM held
), queued AS (
UPDATE jobs SET status = 'queued', stage = 'parse', uploaded_at = now(), run_after = now(),
object_etag = $3::text,
content_sha256 = coalesce($4::text, jobs.sha256),
updated_at = now()
WHERE jobs.id = $5::uuid AND jobs.status = ANY($6::text[])
RETURNING jobs.*
), events AS (
INSERT INTO job_events (job_id, tenant_id, type, data) SELECT id, tenant_id, 'uploaded', jsonb_build_object('status', 'queued', 'stage', 'parse',
'source', $7::text, 'size', size) FROM queued
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($8, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
), woken AS (
SELECT count(pg_notify($9, $10 || id::text)) AS n FROM queued
)
SELECT released.verification_released, q.*
FROM released LEFT JOIN (SELECT queued.* FROM queued, notified, woken) AS q ON true;
-- 10 parameters
