UPDATE jobs SET updated_at = now()
WHERE id IN (
SELECT j.id FROM jobs j
WHERE j.status = 'deleted'
AND (j.purged_at IS NULL OR j.purged_at < j.deleted_at + make_interval(secs => $1))
AND j.updated_at <= now() - make_interval(secs => $2)
AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.reused_from = j.id AND r.status <> 'deleted')
ORDER BY j.deleted_at
LIMIT $3
FOR UPDATE SKIP LOCKED)
RETURNING *;
-- 3 parameters
