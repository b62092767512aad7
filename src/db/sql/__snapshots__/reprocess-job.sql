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

select * from "jobs" where "id" = $1 and "tenant_id" = $2 and "status" in ($3, $4) for update;
-- 4 parameters

select "id" from "jobs" where "reused_from" = $1 and "status" <> $2 limit $3;
-- 3 parameters
