select * from "jobs" where "id" = $1 and "lease_owner" = $2 and "attempt" = $3 and "status" = $4 for update;
-- 4 parameters
