select "max_priority" from "tenants" where "id" = $1;
-- 1 parameters
