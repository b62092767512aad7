select * from "jobs" where "object_key" = $1;
-- 1 parameters
