select "id" from "jobs" where "id" = $1 for update;
-- 1 parameters
