select * from "jobs" where "tenant_id" = $1 and "status" <> $2 and "status" = $3 and (created_at, id) < ($4::timestamptz, $5::uuid) order by "created_at" desc, "id" desc limit $6;
-- 6 parameters

select * from "jobs" where "tenant_id" = $1 and "status" <> $2 and "stage" = $3 and "error_code" = $4 order by "created_at" desc, "id" desc limit $5;
-- 5 parameters
