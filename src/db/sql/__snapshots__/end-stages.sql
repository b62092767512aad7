/* prepared */
WITH ended AS (
UPDATE jobs j SET
status = CASE WHEN (j.stage = 'embed') THEN 'completed' ELSE 'queued' END,
stage = coalesce((CASE "j"."stage" WHEN 'parse' THEN 'chunk' WHEN 'chunk' THEN 'embed' END), j.stage),
attempt = CASE WHEN (j.stage = 'embed') THEN j.attempt ELSE 0 END,
run_after = now(), lease_owner = NULL, lease_expires_at = NULL,
error_code = NULL, error_message = NULL, error_stage = NULL, error_retryable = NULL,
finished_at = CASE WHEN (j.stage = 'embed') THEN now() END,
-- Completing publishes the generation this run wrote: the atomic flip of a reprocess.
output_generation = CASE WHEN (j.stage = 'embed') THEN j.generation ELSE j.output_generation END,
outputs_published = j.outputs_published OR (j.stage = 'embed'),
reused_from = CASE WHEN (j.stage = 'embed') THEN NULL ELSE j.reused_from END,
updated_at = now()
WHERE j.id = ANY ($1::uuid[])
AND $2::jsonb -> j.id::text
= jsonb_build_object('attempt', j.attempt, 'owner', j.lease_owner, 'stage', j.stage)
RETURNING "j"."id", "j"."tenant_id", "j"."status", "j"."stage", "j"."filename", "j"."content_type", "j"."size", "j"."object_key", "j"."object_etag", "j"."attempt", "j"."max_attempts", "j"."releases", "j"."lease_owner", "j"."generation", "j"."settings", "j"."uploaded_at", "j"."warnings", "j"."content_sha256", "j"."pipeline_key"
), events AS (
INSERT INTO job_events (job_id, tenant_id, type, data)
SELECT e.id, e.tenant_id, x.type, x.data
FROM ended e
CROSS JOIN LATERAL (SELECT $3::jsonb -> e.id::text AS d) d
CROSS JOIN LATERAL (VALUES
(1, 'stage_completed', d.d -> 'data'),
(2, 'stage_started', CASE WHEN e.status = 'running' THEN jsonb_build_object('status', 'running', 'stage', "e"."stage", 'attempt', "e"."attempt",
'worker', "e"."lease_owner") END)
) AS x (n, type, data)
WHERE x.data IS NOT NULL
ORDER BY (d.d ->> 'ord')::int, x.n
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($4, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
), queue_notified AS (
SELECT count(pg_notify($5, q.stage)) AS n
FROM (SELECT DISTINCT stage FROM ended WHERE status = 'queued') q
)
SELECT ended.* FROM ended, notified, queue_notified;
-- 5 parameters

/* prepared */
WITH ended AS (
WITH f AS (
SELECT f.*, f.next IS NOT NULL AND f.chain_owner IS NOT NULL
AND coalesce(t.max_running_per_stage, $1::int) IS NULL AS chained
FROM unnest($2::uuid[],
$3::int[],
$4::text[],
$5::text[],
$6::text[],
$7::text[],
$8::int[])
AS f(id, attempt, owner, stage, next, chain_owner, lease_seconds)
JOIN jobs r ON r.id = f.id
JOIN tenants t ON t.id = r.tenant_id
)
UPDATE jobs j SET
status = CASE WHEN f.next IS NULL THEN 'completed' WHEN f.chained THEN 'running' ELSE 'queued' END,
stage = coalesce(f.next, j.stage),
attempt = CASE WHEN f.next IS NULL THEN j.attempt WHEN f.chained THEN 1 ELSE 0 END,
run_after = now(),
lease_owner = CASE WHEN f.chained THEN f.chain_owner END,
lease_expires_at = CASE WHEN f.chained THEN now() + make_interval(secs => f.lease_seconds) END,
claimed_at = CASE WHEN f.chained THEN now() ELSE j.claimed_at END,
error_code = NULL, error_message = NULL, error_stage = NULL, error_retryable = NULL,
finished_at = CASE WHEN (f.next IS NULL) THEN now() END,
-- Completing publishes the generation this run wrote: the atomic flip of a reprocess.
output_generation = CASE WHEN (f.next IS NULL) THEN j.generation ELSE j.output_generation END,
outputs_published = j.outputs_published OR (f.next IS NULL),
reused_from = CASE WHEN (f.next IS NULL) THEN NULL ELSE j.reused_from END,
updated_at = now()
FROM f
WHERE j.id = f.id AND j.attempt = f.attempt AND j.lease_owner = f.owner AND j.stage = f.stage
AND j.status IN ('running')
RETURNING "j"."id", "j"."tenant_id", "j"."status", "j"."stage", "j"."filename", "j"."content_type", "j"."size", "j"."object_key", "j"."object_etag", "j"."attempt", "j"."max_attempts", "j"."releases", "j"."lease_owner", "j"."generation", "j"."settings", "j"."uploaded_at", "j"."warnings", "j"."content_sha256", "j"."pipeline_key"
), events AS (
INSERT INTO job_events (job_id, tenant_id, type, data)
SELECT e.id, e.tenant_id, x.type, x.data
FROM ended e
CROSS JOIN LATERAL (SELECT $9::jsonb -> e.id::text AS d) d
CROSS JOIN LATERAL (VALUES
(1, 'stage_completed', d.d -> 'data'),
(2, 'stage_started', CASE WHEN e.status = 'running' THEN jsonb_build_object('status', 'running', 'stage', "e"."stage", 'attempt', "e"."attempt",
'worker', "e"."lease_owner") END)
) AS x (n, type, data)
WHERE x.data IS NOT NULL
ORDER BY (d.d ->> 'ord')::int, x.n
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($10, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
), queue_notified AS (
SELECT count(pg_notify($11, q.stage)) AS n
FROM (SELECT DISTINCT stage FROM ended WHERE status = 'queued') q
)
SELECT ended.* FROM ended, notified, queue_notified;
-- 11 parameters

/* prepared */
UPDATE jobs j SET
status = CASE WHEN (j.stage = 'embed') THEN 'completed' ELSE 'queued' END,
stage = coalesce((CASE "j"."stage" WHEN 'parse' THEN 'chunk' WHEN 'chunk' THEN 'embed' END), j.stage),
attempt = CASE WHEN (j.stage = 'embed') THEN j.attempt ELSE 0 END,
run_after = now(), lease_owner = NULL, lease_expires_at = NULL,
error_code = NULL, error_message = NULL, error_stage = NULL, error_retryable = NULL,
finished_at = CASE WHEN (j.stage = 'embed') THEN now() END,
-- Completing publishes the generation this run wrote: the atomic flip of a reprocess.
output_generation = CASE WHEN (j.stage = 'embed') THEN j.generation ELSE j.output_generation END,
outputs_published = j.outputs_published OR (j.stage = 'embed'),
reused_from = CASE WHEN (j.stage = 'embed') THEN NULL ELSE j.reused_from END,
updated_at = now()
WHERE j.id = ANY ($1::uuid[])
AND $2::jsonb -> j.id::text
= jsonb_build_object('attempt', j.attempt, 'owner', j.lease_owner, 'stage', j.stage)
RETURNING "j"."id", "j"."tenant_id", "j"."status", "j"."stage", "j"."filename", "j"."content_type", "j"."size", "j"."object_key", "j"."object_etag", "j"."attempt", "j"."max_attempts", "j"."releases", "j"."lease_owner", "j"."generation", "j"."settings", "j"."uploaded_at", "j"."warnings", "j"."content_sha256", "j"."pipeline_key";
-- 2 parameters

/* prepared */
WITH events AS (
INSERT INTO job_events (job_id, tenant_id, type, data) SELECT * FROM unnest(
$1::uuid[],
$2::text[],
$3::text[],
$4::jsonb[])
RETURNING id, job_id, tenant_id, type, created_at
), webhook_outbox AS (
INSERT INTO webhook_deliveries (endpoint_id, tenant_id, event_id, job_id, type, job, occurred_at)
SELECT w.id, e.tenant_id, e.id, e.job_id, m.hook,
jsonb_build_object('row', to_jsonb(j), 'outputs', jsonb_build_object(
'documents', (SELECT count(*) FROM documents d JOIN jobs s ON s.id = d.job_id
AND s.output_generation = d.generation WHERE d.job_id = coalesce(j.reused_from, j.id)),
'chunks', (SELECT count(*) FROM chunks c JOIN jobs s ON s.id = c.job_id
AND s.output_generation = c.generation WHERE c.job_id = coalesce(j.reused_from, j.id)),
'embeddings', (SELECT count(*) FROM embeddings x JOIN chunks c ON c.id = x.chunk_id
JOIN jobs s ON s.id = c.job_id AND s.output_generation = c.generation
WHERE c.job_id = coalesce(j.reused_from, j.id)))),
e.created_at
FROM events e
JOIN (VALUES ('completed', 'job.completed'), ('failed', 'job.failed'), ('upload_rejected', 'upload.rejected'), ('expired', 'job.expired'), ('cancelled', 'job.cancelled'), ('deleted', 'job.deleted')) AS m(event, hook) ON m.event = e.type
JOIN webhook_endpoints w ON w.tenant_id = e.tenant_id AND w.disabled_at IS NULL
AND (w.events IS NULL OR m.hook = ANY(w.events))
JOIN jobs j ON j.id = e.job_id
RETURNING 1
), webhook_notified AS (
SELECT count(pg_notify($5, '')) AS n FROM (SELECT 1 FROM webhook_outbox LIMIT 1) AS any_delivery
), notified AS (
SELECT count(pg_notify($6, json_build_object('jobId', job_id, 'id', id::text)::text))
+ (SELECT n FROM webhook_notified) AS n
FROM events
)
SELECT events.id FROM events, notified ORDER BY events.id;
-- 6 parameters

/* prepared */
WITH ended AS (
UPDATE jobs j SET
status = CASE WHEN (j.stage = 'embed') THEN 'completed' ELSE 'queued' END,
stage = coalesce((CASE "j"."stage" WHEN 'parse' THEN 'chunk' WHEN 'chunk' THEN 'embed' END), j.stage),
attempt = CASE WHEN (j.stage = 'embed') THEN j.attempt ELSE 0 END,
run_after = now(), lease_owner = NULL, lease_expires_at = NULL,
error_code = NULL, error_message = NULL, error_stage = NULL, error_retryable = NULL,
finished_at = CASE WHEN (j.stage = 'embed') THEN now() END,
-- Completing publishes the generation this run wrote: the atomic flip of a reprocess.
output_generation = CASE WHEN (j.stage = 'embed') THEN j.generation ELSE j.output_generation END,
outputs_published = j.outputs_published OR (j.stage = 'embed'),
reused_from = CASE WHEN (j.stage = 'embed') THEN NULL ELSE j.reused_from END,
updated_at = now()
WHERE j.id = ANY ($1::uuid[])
AND $2::jsonb -> j.id::text
= jsonb_build_object('attempt', j.attempt, 'owner', j.lease_owner, 'stage', j.stage)
RETURNING "j"."id", "j"."tenant_id", "j"."status", "j"."stage", "j"."filename", "j"."content_type", "j"."size", "j"."object_key", "j"."object_etag", "j"."attempt", "j"."max_attempts", "j"."releases", "j"."lease_owner", "j"."generation", "j"."settings", "j"."uploaded_at", "j"."warnings", "j"."content_sha256", "j"."pipeline_key"
), events AS (
INSERT INTO job_events (job_id, tenant_id, type, data)
SELECT e.id, e.tenant_id, x.type, x.data
FROM ended e
CROSS JOIN LATERAL (SELECT $3::jsonb -> e.id::text AS d) d
CROSS JOIN LATERAL (VALUES
(1, 'stage_completed', d.d -> 'data'),
(2, 'stage_started', CASE WHEN e.status = 'running' THEN jsonb_build_object('status', 'running', 'stage', "e"."stage", 'attempt', "e"."attempt",
'worker', "e"."lease_owner") END)
) AS x (n, type, data)
WHERE x.data IS NOT NULL
ORDER BY (d.d ->> 'ord')::int, x.n
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($4, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
), queue_notified AS (
SELECT count(pg_notify($5, q.stage)) AS n
FROM (SELECT DISTINCT stage FROM ended WHERE status = 'queued') q
)
SELECT ended.id FROM ended, notified, queue_notified;
-- 5 parameters

/* prepared */
UPDATE jobs j SET
status = CASE WHEN (j.stage = 'embed') THEN 'completed' ELSE 'queued' END,
stage = coalesce((CASE "j"."stage" WHEN 'parse' THEN 'chunk' WHEN 'chunk' THEN 'embed' END), j.stage),
attempt = CASE WHEN (j.stage = 'embed') THEN j.attempt ELSE 0 END,
run_after = now(), lease_owner = NULL, lease_expires_at = NULL,
error_code = NULL, error_message = NULL, error_stage = NULL, error_retryable = NULL,
finished_at = CASE WHEN (j.stage = 'embed') THEN now() END,
-- Completing publishes the generation this run wrote: the atomic flip of a reprocess.
output_generation = CASE WHEN (j.stage = 'embed') THEN j.generation ELSE j.output_generation END,
outputs_published = j.outputs_published OR (j.stage = 'embed'),
reused_from = CASE WHEN (j.stage = 'embed') THEN NULL ELSE j.reused_from END,
updated_at = now()
WHERE j.id = ANY ($1::uuid[])
AND $2::jsonb -> j.id::text
= jsonb_build_object('attempt', j.attempt, 'owner', j.lease_owner, 'stage', j.stage)
RETURNING j.id;
-- 2 parameters

/* prepared */
WITH events AS (
INSERT INTO job_events (job_id, tenant_id, type, data) SELECT * FROM unnest(
$1::uuid[],
$2::text[],
$3::text[],
$4::jsonb[])
RETURNING id, job_id, tenant_id, type, created_at
), webhook_outbox AS (
INSERT INTO webhook_deliveries (endpoint_id, tenant_id, event_id, job_id, type, job, occurred_at)
SELECT w.id, e.tenant_id, e.id, e.job_id, m.hook,
jsonb_build_object('row', to_jsonb(j), 'outputs', jsonb_build_object(
'documents', (SELECT count(*) FROM documents d JOIN jobs s ON s.id = d.job_id
AND s.output_generation = d.generation WHERE d.job_id = coalesce(j.reused_from, j.id)),
'chunks', (SELECT count(*) FROM chunks c JOIN jobs s ON s.id = c.job_id
AND s.output_generation = c.generation WHERE c.job_id = coalesce(j.reused_from, j.id)),
'embeddings', (SELECT count(*) FROM embeddings x JOIN chunks c ON c.id = x.chunk_id
JOIN jobs s ON s.id = c.job_id AND s.output_generation = c.generation
WHERE c.job_id = coalesce(j.reused_from, j.id)))),
e.created_at
FROM events e
JOIN (VALUES ('completed', 'job.completed'), ('failed', 'job.failed'), ('upload_rejected', 'upload.rejected'), ('expired', 'job.expired'), ('cancelled', 'job.cancelled'), ('deleted', 'job.deleted')) AS m(event, hook) ON m.event = e.type
JOIN webhook_endpoints w ON w.tenant_id = e.tenant_id AND w.disabled_at IS NULL
AND (w.events IS NULL OR m.hook = ANY(w.events))
JOIN jobs j ON j.id = e.job_id
RETURNING 1
), webhook_notified AS (
SELECT count(pg_notify($5, '')) AS n FROM (SELECT 1 FROM webhook_outbox LIMIT 1) AS any_delivery
), notified AS (
SELECT count(pg_notify($6, json_build_object('jobId', job_id, 'id', id::text)::text))
+ (SELECT n FROM webhook_notified) AS n
FROM events
)
SELECT events.id FROM events, notified ORDER BY events.id;
-- 6 parameters
