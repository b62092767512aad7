SELECT 'awaiting_upload' AS status, stage, count(*)::int AS count
FROM jobs WHERE status = 'awaiting_upload' GROUP BY stage
UNION ALL
SELECT 'queued', stage, count(*)::int FROM jobs WHERE status = 'queued' GROUP BY stage
UNION ALL
SELECT 'running', stage, count(*)::int FROM jobs WHERE status = 'running' GROUP BY stage;
-- 0 parameters
