SELECT t.tenant_id AS tenant,
coalesce(u.bytes, 0) AS bytes, coalesce(u.documents, 0) AS documents,
(SELECT count(*) FROM sse_stream_slots s
WHERE s.tenant_id = t.tenant_id AND s.expires_at > now()) AS streams,
b.tokens AS tokens,
extract(epoch FROM now() - b.refilled_at)::float8 AS elapsed,
l.uploads_per_minute, l.max_bytes, l.max_documents, l.max_streams
FROM (SELECT tenant_id FROM tenant_usage UNION SELECT tenant_id FROM tenant_limits) t
LEFT JOIN tenant_usage u ON u.tenant_id = t.tenant_id
LEFT JOIN tenant_limits l ON l.tenant_id = t.tenant_id
LEFT JOIN tenant_upload_buckets b ON b.tenant_id = t.tenant_id
ORDER BY coalesce(u.bytes, 0) DESC, t.tenant_id
LIMIT $1;
-- 1 parameters

SELECT t.tenant_id AS tenant,
coalesce(u.bytes, 0) AS bytes, coalesce(u.documents, 0) AS documents,
(SELECT count(*) FROM sse_stream_slots s
WHERE s.tenant_id = t.tenant_id AND s.expires_at > now()) AS streams,
b.tokens AS tokens,
extract(epoch FROM now() - b.refilled_at)::float8 AS elapsed,
l.uploads_per_minute, l.max_bytes, l.max_documents, l.max_streams
FROM (SELECT tenant_id FROM tenant_usage UNION SELECT tenant_id FROM tenant_limits) t
LEFT JOIN tenant_usage u ON u.tenant_id = t.tenant_id
LEFT JOIN tenant_limits l ON l.tenant_id = t.tenant_id
LEFT JOIN tenant_upload_buckets b ON b.tenant_id = t.tenant_id
WHERE t.tenant_id = $1
ORDER BY coalesce(u.bytes, 0) DESC, t.tenant_id
LIMIT $2;
-- 2 parameters
