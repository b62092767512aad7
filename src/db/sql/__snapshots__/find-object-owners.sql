select "id", "tenant_id", "status", "uploaded_at" from "jobs" where "id" in ($1);
-- 1 parameters
