WITH fence AS (
SELECT id FROM jobs WHERE (jobs.id = $1::uuid AND jobs.lease_owner = $2
AND jobs.attempt = $3::int AND jobs.stage = $4 AND jobs.status = 'running') FOR UPDATE
), written AS (
INSERT INTO embeddings (chunk_id, job_id, model, dimensions, vector)
SELECT v.chunk_id, fence.id, $5, v.dimensions, v.vector
FROM fence, (VALUES ($6::bigint, $7::int, $8::real[])) AS v (chunk_id, dimensions, vector)
ON CONFLICT (chunk_id) DO UPDATE
SET model = EXCLUDED.model, dimensions = EXCLUDED.dimensions, vector = EXCLUDED.vector
)
SELECT id FROM fence;
-- 8 parameters
