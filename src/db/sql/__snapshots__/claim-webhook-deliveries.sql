WITH given_up AS (
UPDATE webhook_deliveries SET
status = 'failed', lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
last_error = 'the deliverer stopped responding on the last attempt'
WHERE id IN (
SELECT id FROM webhook_deliveries
WHERE status = 'pending' AND lease_expires_at <= now() AND attempt - round_start >= $1
LIMIT 100 FOR UPDATE SKIP LOCKED)
), claimed AS (
UPDATE webhook_deliveries SET
lease_owner = $2,
lease_expires_at = now() + make_interval(secs => $3),
attempt = attempt + 1,
updated_at = now()
WHERE id IN (
SELECT d.id FROM webhook_deliveries d
JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.disabled_at IS NULL
WHERE d.status = 'pending' AND d.next_attempt_at <= now()
AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= now())
AND d.attempt - d.round_start < $4
ORDER BY d.next_attempt_at
LIMIT $5
FOR UPDATE OF d SKIP LOCKED)
RETURNING *
)
SELECT claimed.*, w.url, w.secret,
CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS previous_secret
FROM claimed JOIN webhook_endpoints w ON w.id = claimed.endpoint_id;
-- 5 parameters
