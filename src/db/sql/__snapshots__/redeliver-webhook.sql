WITH target AS (
SELECT id, lease_expires_at FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2
), queued AS (
UPDATE webhook_deliveries SET
status = 'pending', round_start = attempt, next_attempt_at = now(),
lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE id IN (SELECT id FROM target WHERE lease_expires_at IS NULL OR lease_expires_at <= now())
RETURNING id
), notified AS (
SELECT count(pg_notify($3, '')) AS n FROM queued
)
SELECT EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM queued) AS queued, notified.n
FROM notified;
-- 3 parameters
