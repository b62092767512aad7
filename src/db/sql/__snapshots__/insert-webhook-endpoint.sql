insert into "webhook_endpoints" ("tenant_id", "url", "description", "events", "secret") values ($1, $2, $3, $4, $5) returning *;
-- 5 parameters
