INSERT INTO sse_stream_slots AS s (tenant_id, slot, stream_id, holder, expires_at)
SELECT $1, g, $2::uuid, $3, now() + make_interval(secs => $4)
FROM generate_series(1, $5::int) g
WHERE NOT EXISTS (
SELECT 1 FROM sse_stream_slots x
WHERE x.tenant_id = $6 AND x.slot = g AND x.expires_at > now())
ORDER BY random() LIMIT 1
ON CONFLICT (tenant_id, slot) DO UPDATE
SET stream_id = EXCLUDED.stream_id, holder = EXCLUDED.holder,
acquired_at = now(), expires_at = EXCLUDED.expires_at
WHERE s.expires_at <= now()
RETURNING slot;
-- 6 parameters
