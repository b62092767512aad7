/* prepared */ (select "id", "tenant_id", "last_used_at" from "api_keys" where "key_hash" = $1 and "revoked_at" is null);
-- 1 parameters
