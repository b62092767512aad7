INSERT INTO tenant_upload_buckets AS b (tenant_id, tokens, refilled_at, last_taken)
VALUES ($1, $2::float8 - 1, now(), true)
ON CONFLICT (tenant_id) DO UPDATE
SET tokens = CASE WHEN least($3::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * $4::float8 / 60) >= 1 THEN least($5::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * $6::float8 / 60) - 1 ELSE least($7::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * $8::float8 / 60) END,
last_taken = least($9::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * $10::float8 / 60) >= 1,
refilled_at = greatest(b.refilled_at, now())
RETURNING b.tokens, b.last_taken;
-- 10 parameters
