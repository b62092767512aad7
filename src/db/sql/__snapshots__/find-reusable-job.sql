select "id" from "jobs" where "tenant_id" = $1 and "content_sha256" = $2 and "pipeline_key" = $3 and "status" = $4 and "reused_from" is null and "id" != $5 order by "finished_at" limit $6;
-- 6 parameters
