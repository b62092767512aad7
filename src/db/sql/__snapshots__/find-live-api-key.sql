select "tenant_id" from "api_keys" where "id" = $1 and "revoked_at" is null;
-- 1 parameters
