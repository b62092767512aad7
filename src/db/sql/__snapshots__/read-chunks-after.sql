select "id", "seq", "text" from "chunks" where "job_id" = $1 and "generation" = $2 and "seq" > $3 order by "seq" limit $4;
-- 4 parameters
