UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => $1)
FROM unnest($2::uuid[], $3::int[]) AS h(id, attempt)
WHERE j.id = h.id AND j.attempt = h.attempt AND j.lease_owner = $4 AND j.status = 'running'
RETURNING j.id;
-- 4 parameters
