UPDATE jobs SET next_reconcile_at = now() + make_interval(secs => $1)
WHERE id IN (
SELECT id FROM jobs
WHERE status = 'awaiting_upload' AND next_reconcile_at <= now()
AND (created_at <= now() - make_interval(secs => $2) OR upload_expires_at <= now())
ORDER BY next_reconcile_at
LIMIT $3
FOR UPDATE SKIP LOCKED)
RETURNING *;
-- 3 parameters
