update "jobs" set "warnings" = $1 where "id" = $2;
-- 2 parameters
