UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => $1)
WHERE j.id = ANY ($2::uuid[]) AND j.lease_owner = $3
AND $4::jsonb -> j.id::text @> to_jsonb(j.attempt)
RETURNING j.id;
-- 4 parameters
