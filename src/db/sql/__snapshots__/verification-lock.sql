/* prepared */
SELECT CASE WHEN jobs.status = 'awaiting_upload'
THEN pg_try_advisory_lock(hashtextextended('intake:verify:' || $1::text, 0)) END AS verification_locked,
jobs.*
FROM jobs WHERE jobs.id = $2::uuid;
-- 2 parameters

/* prepared */ SELECT pg_advisory_unlock(hashtextextended('intake:verify:' || $1::text, 0));
-- 1 parameters
