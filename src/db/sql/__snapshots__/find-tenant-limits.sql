select "uploads_per_minute", "max_bytes", "max_documents", "max_streams" from "tenant_limits" where "tenant_id" = $1;
-- 1 parameters
