WITH incoming AS (
SELECT * FROM unnest(
$1::int[], $2::text[],
$3::bigint[], $4::bigint[],
$5::int[], $6::int[],
$7::int[])
WITH ORDINALITY AS t(seq, text, start_offset, end_offset, page, page_end, token_count, n)
)
INSERT INTO chunks (job_id, generation, seq, text, start_offset, end_offset, page, page_end, heading_path, token_count)
SELECT $8::uuid, $9::int, seq, text, start_offset, end_offset, page, page_end,
ARRAY(SELECT h FROM jsonb_array_elements_text($10::jsonb -> (n::int - 1))
WITH ORDINALITY AS p(h, i) ORDER BY i), token_count
FROM incoming
ON CONFLICT (job_id, generation, seq) DO UPDATE SET text = excluded.text, start_offset = excluded.start_offset,
end_offset = excluded.end_offset, page = excluded.page, page_end = excluded.page_end,
heading_path = excluded.heading_path, token_count = excluded.token_count;
-- 10 parameters
