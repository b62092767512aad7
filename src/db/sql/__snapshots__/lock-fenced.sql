select "id", "tenant_id", "status", "stage", "filename", "content_type", "size", "object_key", "object_etag", "attempt", "max_attempts", "releases", "lease_owner", "generation", "settings", "uploaded_at", "warnings", "content_sha256", "pipeline_key" from "jobs" where (jobs.id = $1::uuid AND jobs.lease_owner = $2
AND jobs.attempt = $3::int AND jobs.stage = $4 AND jobs.status = 'running') for update;
-- 4 parameters
