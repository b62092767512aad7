update "jobs" set "metadata" = $1, "updated_at" = now() where "id" = $2 and "tenant_id" = $3 and "status" <> $4 returning *;
-- 4 parameters
