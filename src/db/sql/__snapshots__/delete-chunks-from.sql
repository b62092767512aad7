delete from "chunks" where "job_id" = $1 and "generation" = $2 and "seq" >= $3;
-- 3 parameters
