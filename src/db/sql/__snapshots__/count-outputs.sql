SELECT (SELECT count(*)::int FROM documents WHERE job_id = $1 AND generation = (SELECT output_generation FROM jobs WHERE id = $2)) AS documents,
(SELECT count(*)::int FROM chunks WHERE job_id = $3 AND generation = (SELECT output_generation FROM jobs WHERE id = $4)) AS chunks,
(SELECT count(*)::int FROM embeddings e JOIN chunks c ON c.id = e.chunk_id
WHERE c.job_id = $5 AND c.generation = (SELECT output_generation FROM jobs WHERE id = $6)) AS embeddings;
-- 6 parameters
