SELECT pg_try_advisory_lock(hashtextextended('intake:verify:' || $1, 0)) AS locked;
-- 1 parameters
