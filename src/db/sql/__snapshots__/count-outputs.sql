SELECT (SELECT count(*)::int FROM documents WHERE job_id = $1) AS documents,
(SELECT count(*)::int FROM chunks WHERE job_id = $2) AS chunks,
(SELECT count(*)::int FROM embeddings WHERE job_id = $3) AS embeddings;
-- 3 parameters
