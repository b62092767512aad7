WITH j AS (
SELECT id, output_generation, generation FROM jobs WHERE id = $1
), dropped_chunks AS (
DELETE FROM chunks c USING j
WHERE c.job_id = j.id AND c.generation NOT IN (j.output_generation, j.generation)
), dropped_documents AS (
DELETE FROM documents d USING j
WHERE d.job_id = j.id AND d.generation NOT IN (j.output_generation, j.generation)
RETURNING d.text_key
)
SELECT DISTINCT text_key FROM dropped_documents
WHERE text_key NOT IN (
SELECT d.text_key FROM documents d, j
WHERE d.job_id = j.id AND d.generation IN (j.output_generation, j.generation));
-- 1 parameters
