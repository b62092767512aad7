delete from "webhook_endpoints" where "id" = $1 and "tenant_id" = $2;
-- 2 parameters
