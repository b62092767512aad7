WITH limits AS MATERIALIZED (
SELECT tl.uploads_per_minute, tl.max_bytes, tl.max_documents, tl.max_streams,
coalesce(tl.uploads_per_minute, $1::int)::float8 AS per_minute
FROM (SELECT 1) AS one LEFT JOIN tenant_limits tl ON tl.tenant_id = $2
), taken AS (
INSERT INTO tenant_upload_buckets AS b (tenant_id, tokens, refilled_at, last_taken)
SELECT $3, per_minute - 1, now(), true FROM limits WHERE per_minute > 0
ON CONFLICT (tenant_id) DO UPDATE
SET tokens = CASE WHEN least((SELECT per_minute FROM limits), b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * (SELECT per_minute FROM limits) / 60) >= 1 THEN least((SELECT per_minute FROM limits), b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * (SELECT per_minute FROM limits) / 60) - 1 ELSE least((SELECT per_minute FROM limits), b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * (SELECT per_minute FROM limits) / 60) END,
last_taken = least((SELECT per_minute FROM limits), b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * (SELECT per_minute FROM limits) / 60) >= 1,
refilled_at = greatest(b.refilled_at, now())
RETURNING b.tokens, b.last_taken
)
SELECT limits.*, taken.tokens, taken.last_taken FROM limits LEFT JOIN taken ON true;
-- 3 parameters
