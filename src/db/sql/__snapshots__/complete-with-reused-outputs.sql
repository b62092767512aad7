select "id", "tenant_id", "status", "stage", "filename", "content_type", "size", "object_key", "object_etag", "attempt", "max_attempts", "releases", "lease_owner", "generation", "settings", "uploaded_at", "warnings", "content_sha256", "pipeline_key" from "jobs" where (jobs.id = $1::uuid AND jobs.lease_owner = $2
AND jobs.attempt = $3::int AND jobs.stage = $4 AND jobs.status = 'running') for update;
-- 4 parameters

select "id" from "jobs" where "id" = $1 and "status" = $2 for share;
-- 2 parameters

update "jobs" set "status" = $1, "reused_from" = $2, "outputs_published" = $3, "lease_owner" = $4, "lease_expires_at" = $5, "finished_at" = now(), "updated_at" = now() where "id" = $6;
-- 6 parameters

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
