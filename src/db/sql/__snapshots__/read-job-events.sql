select * from "job_events" where "job_id" = $1 and "id" > $2 order by "id" limit $3;
-- 3 parameters
