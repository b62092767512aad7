select "bytes", "documents" from "tenant_usage" where "tenant_id" = $1;
-- 1 parameters
