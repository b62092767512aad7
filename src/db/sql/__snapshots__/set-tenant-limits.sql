insert into "tenant_limits" ("tenant_id", "uploads_per_minute", "max_bytes") values ($1, $2, $3) on conflict ("tenant_id") do update set "uploads_per_minute" = $4, "max_bytes" = $5, "updated_at" = now();
-- 5 parameters
