update "webhook_endpoints" set "url" = $1, "events" = $2, "disabled_at" = $3, "disabled_reason" = $4, "failing_since" = $5, "updated_at" = now() where "id" = $6 and "tenant_id" = $7 returning *;
-- 7 parameters
