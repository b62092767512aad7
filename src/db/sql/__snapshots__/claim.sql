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
SELECT q.stage, q.tenant_id, t.claim_share, running.n AS running, offer.id, offer.ctid, offer.priority,
offer.run_after
FROM queued_tenants q
JOIN tenants t ON t.id = q.tenant_id
-- Only a ranking between tenants needs a tenant's running count, and counting visits
-- every running job of the tenant: with one tenant waiting, it is not taken. OFFSET 0
-- keeps it one count per tenant (flattened, it ran once per offer).
CROSS JOIN LATERAL (
SELECT CASE WHEN (SELECT count(*) FROM queued_tenants c WHERE c.tenant_id IS NOT NULL) > 1
THEN (SELECT count(*) FROM jobs r
WHERE r.status = 'running' AND r.tenant_id = q.tenant_id AND r.stage = q.stage)
ELSE 0 END AS n
OFFSET 0) running
CROSS JOIN LATERAL (
SELECT CASE WHEN c.cap IS NULL THEN $2::int
ELSE least($3::int, intake_claim_slots(q.tenant_id, q.stage, c.cap)) END AS n
FROM (SELECT coalesce(t.max_running_per_stage, $4::int) AS cap) c) slots
CROSS JOIN LATERAL (
SELECT j.id, j.ctid, j.priority, j.run_after FROM jobs j
WHERE j.status IN ('queued') AND j.stage = q.stage AND j.tenant_id = q.tenant_id AND j.run_after <= now()
ORDER BY j.priority DESC, j.run_after
LIMIT slots.n
FOR UPDATE OF j SKIP LOCKED) offer
), chosen AS (
SELECT id, ctid FROM offers
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
-- By the row versions the offers locked: a TID scan, whatever the estimates, instead of a
-- second primary-key lookup. No status check here: FOR UPDATE re-checked each offer's
-- WHERE (status IN the claimable ones) on the version it locked, and nothing can change
-- that version under the lock. A check here would let the planner scan the claimable
-- index instead, which the generic plan (see createDb's genericPlans) did. A version
-- newer than this statement's snapshot (changed while queued, after the claim began) is
-- not seen by the TID scan: that job is left queued for the next claim, never claimed twice.
WHERE jobs.ctid = ANY (ARRAY(SELECT ctid FROM chosen))
RETURNING "jobs"."id", "jobs"."tenant_id", "jobs"."status", "jobs"."stage", "jobs"."filename", "jobs"."content_type", "jobs"."size", "jobs"."object_key", "jobs"."object_etag", "jobs"."attempt", "jobs"."max_attempts", "jobs"."releases", "jobs"."lease_owner", "jobs"."generation", "jobs"."settings", "jobs"."uploaded_at", "jobs"."warnings", "jobs"."content_sha256", "jobs"."pipeline_key"
), events AS (
INSERT INTO job_events (job_id, tenant_id, type, data)
SELECT id, tenant_id, 'stage_started', jsonb_build_object('status', 'running', 'stage', "claimed"."stage", 'attempt', "claimed"."attempt",
'worker', "claimed"."lease_owner") FROM claimed
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($8, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
)
SELECT claimed.* FROM claimed, notified;
-- 8 parameters

/* prepared */
WITH announced AS (
SELECT j.ctid FROM jobs j
JOIN tenants t ON t.id = j.tenant_id
WHERE j.id = ANY ($1::uuid[])
AND j.status IN ('queued') AND j.stage = ANY ($2::text[])
AND j.run_after <= now()
AND coalesce(t.max_running_per_stage, $3::int) IS NULL
FOR UPDATE OF j SKIP LOCKED
), claimed AS (
UPDATE jobs SET
status = 'running',
lease_owner = $4,
lease_expires_at = now() + make_interval(secs => $5),
attempt = attempt + 1,
claimed_at = now(),
started_at = coalesce(started_at, now()),
updated_at = now()
-- The row versions locked above, as in claimStatement.
WHERE jobs.ctid = ANY (ARRAY(SELECT ctid FROM announced))
RETURNING "jobs"."id", "jobs"."tenant_id", "jobs"."status", "jobs"."stage", "jobs"."filename", "jobs"."content_type", "jobs"."size", "jobs"."object_key", "jobs"."object_etag", "jobs"."attempt", "jobs"."max_attempts", "jobs"."releases", "jobs"."lease_owner", "jobs"."generation", "jobs"."settings", "jobs"."uploaded_at", "jobs"."warnings", "jobs"."content_sha256", "jobs"."pipeline_key"
), events AS (
INSERT INTO job_events (job_id, tenant_id, type, data)
SELECT id, tenant_id, 'stage_started', jsonb_build_object('status', 'running', 'stage', "claimed"."stage", 'attempt', "claimed"."attempt",
'worker', "claimed"."lease_owner") FROM claimed
RETURNING id, job_id
), notified AS (
SELECT count(pg_notify($6, json_build_object('jobId', job_id, 'id', id::text)::text)) AS n
FROM events
)
SELECT claimed.* FROM claimed, notified;
-- 6 parameters
