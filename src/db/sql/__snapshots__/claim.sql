/* prepared */
WITH RECURSIVE queued_tenants (stage, tenant_id) AS (
SELECT s.stage, (SELECT j.tenant_id FROM jobs j
WHERE j.status IN ('queued') AND j.stage = s.stage
ORDER BY j.tenant_id, j.priority DESC, j.run_after LIMIT 1)
FROM unnest($1::text[]) AS s (stage)
UNION ALL
SELECT q.stage, (SELECT j.tenant_id FROM jobs j
WHERE j.status IN ('queued') AND j.stage = q.stage AND j.tenant_id > q.tenant_id
ORDER BY j.tenant_id, j.priority DESC, j.run_after LIMIT 1)
FROM queued_tenants q WHERE q.tenant_id IS NOT NULL
), offers AS (
SELECT q.stage, q.tenant_id, t.claim_share, running.n AS running, offer.id, offer.priority, offer.run_after
FROM queued_tenants q
JOIN tenants t ON t.id = q.tenant_id
CROSS JOIN LATERAL (
SELECT count(*) AS n FROM jobs r
WHERE r.status = 'running' AND r.tenant_id = q.tenant_id AND r.stage = q.stage) running
CROSS JOIN LATERAL (
SELECT CASE WHEN c.cap IS NULL THEN $2::int
ELSE least($3::int, intake_claim_slots(q.tenant_id, q.stage, c.cap)) END AS n
FROM (SELECT coalesce(t.max_running_per_stage, $4::int) AS cap) c) slots
CROSS JOIN LATERAL (
SELECT j.id, j.priority, j.run_after FROM jobs j
WHERE j.status IN ('queued') AND j.stage = q.stage AND j.tenant_id = q.tenant_id AND j.run_after <= now()
ORDER BY j.priority DESC, j.run_after
LIMIT slots.n
FOR UPDATE OF j SKIP LOCKED) offer
), chosen AS (
SELECT id FROM offers
ORDER BY (running + row_number() OVER (PARTITION BY stage, tenant_id ORDER BY priority DESC, run_after))::float8
/ claim_share,
priority DESC, run_after
LIMIT $5
), claimed AS (
UPDATE jobs SET
status = 'running',
lease_owner = $6,
lease_expires_at = now() + make_interval(secs => $7),
attempt = attempt + 1,
claimed_at = now(),
started_at = coalesce(started_at, now()),
updated_at = now()
WHERE jobs.id = ANY (ARRAY(SELECT id FROM chosen)) AND jobs.status IN ('queued')
RETURNING jobs.*
), events AS (
INSERT INTO job_events (job_id, tenant_id, type, data)
SELECT id, tenant_id, 'stage_started',
jsonb_build_object('status', 'running', 'stage', stage, 'attempt', attempt, 'worker', lease_owner)
FROM claimed
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($8, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
)
SELECT claimed.* FROM claimed, notified;
-- 8 parameters
