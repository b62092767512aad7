UPDATE webhook_endpoints SET
previous_secret = secret,
previous_secret_expires_at = now() + make_interval(secs => $1),
secret = $2,
updated_at = now()
WHERE id = $3 AND tenant_id = $4
RETURNING *;
-- 4 parameters
