select "id", "tenant_id", "status", "stage", "filename", "content_type", "size", "object_key", "object_etag", "attempt", "max_attempts", "releases", "lease_owner", "generation", "settings", "uploaded_at", "warnings", "content_sha256", "pipeline_key" from "jobs" where "id" = $1 and "lease_owner" = $2 and "attempt" = $3 and "status" = $4 for update;
-- 4 parameters
