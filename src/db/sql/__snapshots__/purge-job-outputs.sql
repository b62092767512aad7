WITH target AS (
SELECT j.id, EXISTS (SELECT 1 FROM jobs r WHERE r.reused_from = j.id AND r.status <> 'deleted') AS shared
FROM jobs j WHERE j.id = $1 AND j.status = 'deleted'
FOR UPDATE
), purgeable AS (SELECT id FROM target WHERE NOT shared
), dropped_chunks AS (DELETE FROM chunks WHERE job_id IN (SELECT id FROM purgeable)
), dropped_documents AS (DELETE FROM documents WHERE job_id IN (SELECT id FROM purgeable)
), marked AS (UPDATE jobs SET purged_at = now() WHERE id IN (SELECT id FROM purgeable))
SELECT CASE WHEN shared THEN 'shared' ELSE 'purged' END AS outcome FROM target;
-- 1 parameters
