SELECT 1;
-- 0 parameters
