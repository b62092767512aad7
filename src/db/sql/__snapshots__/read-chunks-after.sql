select "id", "seq", "text" from "chunks" where "job_id" = $1 and "seq" > $2 order by "seq" limit $3;
-- 3 parameters
