select * from "jobs" where "id" = $1 and "tenant_id" = $2 and "status" in ($3, $4) for update;
-- 4 parameters

INSERT INTO documents (job_id, generation, detected_type, text_key, text_format, chars, page_count,
pages, sections, metadata)
SELECT job_id, $1, detected_type, text_key, text_format, chars, page_count, pages, sections, metadata
FROM documents WHERE job_id = $2 AND generation = $3
RETURNING job_id;
-- 3 parameters

INSERT INTO chunks (job_id, generation, seq, text, start_offset, end_offset, page, page_end,
heading_path, token_count)
SELECT job_id, $1, seq, text, start_offset, end_offset, page, page_end, heading_path, token_count
FROM chunks WHERE job_id = $2 AND generation = $3;
-- 3 parameters

update "jobs" set "status" = $1, "stage" = $2, "attempt" = $3, "releases" = $4, "generation" = $5, "settings" = $6, "pipeline_key" = $7, "error_code" = $8, "error_message" = $9, "error_stage" = $10, "error_retryable" = $11, "finished_at" = $12, "run_after" = now(), "updated_at" = now() where "id" = $13 returning *;
-- 13 parameters

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

SELECT pg_notify($1, $2);
-- 2 parameters

select * from "jobs" where "id" = $1 and "tenant_id" = $2 and "status" in ($3, $4) for update;
-- 4 parameters

select "id" from "jobs" where "reused_from" = $1 and "status" <> $2 limit $3;
-- 3 parameters
