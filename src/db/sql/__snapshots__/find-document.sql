select * from "documents" where "job_id" = $1;
-- 1 parameters
