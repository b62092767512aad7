select * from "webhook_endpoints" where "tenant_id" = $1 order by "created_at", "id";
-- 1 parameters
