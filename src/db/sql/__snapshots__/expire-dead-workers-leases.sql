WITH dead AS (
DELETE FROM workers w
WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = w.backend_pid)
OR w.heartbeat_at < now() - make_interval(secs => $1)
RETURNING w.id
), expired AS (
UPDATE jobs SET lease_expires_at = now() - interval '1 microsecond'
WHERE status = 'running' AND lease_owner IN (SELECT id FROM dead)
RETURNING id
)
SELECT dead.id FROM dead, (SELECT count(*) FROM expired) AS e;
-- 1 parameters
