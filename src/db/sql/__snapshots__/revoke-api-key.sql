update "api_keys" set "revoked_at" = coalesce(revoked_at, now()) where "id" = $1 and "tenant_id" = $2 returning "id", "revoked_at";
-- 2 parameters
