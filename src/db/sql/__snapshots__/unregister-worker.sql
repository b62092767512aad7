delete from "workers" where "id" = $1;
-- 1 parameters
