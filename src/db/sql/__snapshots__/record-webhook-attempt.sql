UPDATE webhook_deliveries SET
status = $1,
next_attempt_at = now() + make_interval(secs => $2),
lease_owner = NULL, lease_expires_at = NULL,
last_status_code = $3, last_error = $4,
delivered_at = CASE WHEN $5 THEN now() END,
updated_at = now()
WHERE id = $6 AND lease_owner = $7 AND attempt = $8
AND status = 'pending'
RETURNING *;
-- 8 parameters

INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms)
VALUES ($1, $2, $3, $4, $5);
-- 5 parameters

UPDATE webhook_endpoints SET
failing_since = CASE WHEN $1 THEN NULL ELSE coalesce(failing_since, now()) END,
disabled_at = CASE
WHEN disabled_at IS NULL AND NOT $2
AND coalesce(failing_since, now()) <= now() - make_interval(secs => $3)
THEN now() ELSE disabled_at END,
disabled_reason = CASE
WHEN disabled_at IS NULL AND NOT $4
AND coalesce(failing_since, now()) <= now() - make_interval(secs => $5)
THEN 'every delivery failed for ' || $6 || ' seconds' ELSE disabled_reason END
WHERE id = $7
RETURNING disabled_at IS NOT NULL AND disabled_at = now() AS just_disabled;
-- 7 parameters
