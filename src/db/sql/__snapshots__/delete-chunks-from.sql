delete from "chunks" where "job_id" = $1 and "seq" >= $2;
-- 2 parameters
