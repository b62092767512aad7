select "id" from "jobs" where "reused_from" = $1 and "status" <> $2 limit $3;
-- 3 parameters
