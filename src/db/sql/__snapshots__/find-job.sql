select * from "jobs" where "id" = $1;
-- 1 parameters

/* prepared */ (select * from "jobs" where "id" = $1 and "tenant_id" = $2 and "status" <> $3);
-- 3 parameters
