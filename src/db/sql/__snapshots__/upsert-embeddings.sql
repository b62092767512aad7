WITH fence AS (
SELECT id FROM jobs WHERE (jobs.id = $1::uuid AND jobs.lease_owner = $2
AND jobs.attempt = $3::int AND jobs.status = 'running') FOR UPDATE
), written AS (
INSERT INTO embeddings (chunk_id, job_id, model, dimensions, vector)
SELECT v.chunk_id, fence.id, $4, v.dimensions, v.vector
FROM fence, (VALUES ($5::bigint, $6::int, $7::real[])) AS v (chunk_id, dimensions, vector)
ON CONFLICT (chunk_id) DO UPDATE
SET model = EXCLUDED.model, dimensions = EXCLUDED.dimensions, vector = EXCLUDED.vector
)
SELECT id FROM fence;
-- 7 parameters
