WITH taken AS (
INSERT INTO tenant_upload_buckets AS b (tenant_id, tokens, refilled_at)
VALUES ($1, $2::float8 - 1, now())
ON CONFLICT (tenant_id) DO UPDATE
SET tokens = least($3::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * $4::float8 / 60) - 1, refilled_at = greatest(b.refilled_at, now())
WHERE least($5::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * $6::float8 / 60) >= 1
RETURNING b.tokens
)
SELECT (SELECT tokens FROM taken) AS tokens,
(SELECT least($7::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * $8::float8 / 60) FROM tenant_upload_buckets b WHERE b.tenant_id = $9) AS now_tokens;
-- 9 parameters
