select * from "jobs" where "tenant_id" = $1 and "status" = $2 and (created_at, id) < ($3::timestamptz, $4::uuid) order by "created_at" desc, "id" desc limit $5;
-- 5 parameters

select * from "jobs" where "tenant_id" = $1 and "stage" = $2 and "error_code" = $3 order by "created_at" desc, "id" desc limit $4;
-- 4 parameters
