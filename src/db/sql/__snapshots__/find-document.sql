select * from "documents" where "job_id" = $1 and "generation" = (select "output_generation" from "jobs" where "id" = $2);
-- 2 parameters
