select "id", "key_prefix", "label", "created_at", "last_used_at", "revoked_at" from "api_keys" where "tenant_id" = $1 order by "created_at" desc, "id" desc;
-- 1 parameters
