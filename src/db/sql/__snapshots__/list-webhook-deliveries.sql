SELECT d.id, d.endpoint_id, d.tenant_id, d.event_id, d.job_id, d.type, d.occurred_at, d.status,
d.attempt, d.next_attempt_at, d.lease_owner, d.lease_expires_at, d.last_status_code,
d.last_error, d.delivered_at, d.created_at, d.updated_at,
coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'status_code', a.status_code,
'error', a.error, 'duration_ms', a.duration_ms, 'created_at', a.created_at) ORDER BY a.id)
FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]') AS attempts
FROM webhook_deliveries d
WHERE d.endpoint_id = $1 AND (d.created_at, d.id) < ($2::timestamptz, $3::uuid)
ORDER BY d.created_at DESC, d.id DESC
LIMIT $4;
-- 4 parameters
