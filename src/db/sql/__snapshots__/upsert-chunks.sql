WITH incoming AS (
SELECT * FROM unnest(
$1::int[], $2::text[],
$3::bigint[], $4::bigint[],
$5::int[], $6::int[])
AS t(seq, text, start_offset, end_offset, page, token_count)
)
INSERT INTO chunks (job_id, seq, text, start_offset, end_offset, page, token_count)
SELECT $7::uuid, seq, text, start_offset, end_offset, page, token_count FROM incoming
ON CONFLICT (job_id, seq) DO UPDATE SET text = excluded.text, start_offset = excluded.start_offset,
end_offset = excluded.end_offset, page = excluded.page, token_count = excluded.token_count;
-- 7 parameters
