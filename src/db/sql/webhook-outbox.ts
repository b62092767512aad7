import { type RawBuilder, sql } from "kysely";
import { WEBHOOK_EVENT_SOURCES, WEBHOOKS_CHANNEL } from "../webhook-events.js";

const sources = Object.entries(WEBHOOK_EVENT_SOURCES);

/**
 * The outbox: CTEs to follow `events` (job_events rows RETURNING id, job_id, tenant_id, type,
 * created_at) in the same statement. `webhook_outbox` inserts one delivery per event and
 * enabled endpoint of the event's tenant that subscribes to its webhook type (NULL `events`:
 * all), with the job as the transaction sees it; `webhook_notified` NOTIFYs the deliverers
 * once (Postgres folds equal NOTIFYs of one transaction). A data-modifying CTE runs whether or
 * not it is referenced; the NOTIFY CTE must be referenced (eventsWithNotify folds it in).
 *
 * Because the delivery commits or rolls back with the event, a rolled-back change sends
 * nothing and a committed one cannot be lost. The job is read from the statement's snapshot,
 * which sees earlier statements of the transaction but not a change made in this same
 * statement: every writer of these event types updates the job first, then writes the event.
 * The job row must still exist: a delete writes `deleted` before it removes the row.
 */
export function webhookOutbox(): RawBuilder<unknown> {
  // Literals, not parameters: the mapping is code, and reads plainly in the snapshots.
  const map = sql.join(sources.map(([hook, event]) => sql`(${sql.lit(event)}, ${sql.lit(hook)})`));
  return sql`webhook_outbox AS (
      INSERT INTO webhook_deliveries (endpoint_id, tenant_id, event_id, job_id, type, job, occurred_at)
      SELECT w.id, e.tenant_id, e.id, e.job_id, m.hook,
             jsonb_build_object('row', to_jsonb(j), 'outputs', jsonb_build_object(
               'documents', (SELECT count(*) FROM documents d JOIN jobs s ON s.id = d.job_id
                 AND s.output_generation = d.generation WHERE d.job_id = coalesce(j.reused_from, j.id)),
               'chunks', (SELECT count(*) FROM chunks c JOIN jobs s ON s.id = c.job_id
                 AND s.output_generation = c.generation WHERE c.job_id = coalesce(j.reused_from, j.id)),
               'embeddings', (SELECT count(*) FROM embeddings x JOIN chunks c ON c.id = x.chunk_id
                 JOIN jobs s ON s.id = c.job_id AND s.output_generation = c.generation
                 WHERE c.job_id = coalesce(j.reused_from, j.id)))),
             e.created_at
      FROM events e
      JOIN (VALUES ${map}) AS m(event, hook) ON m.event = e.type
      JOIN webhook_endpoints w ON w.tenant_id = e.tenant_id AND w.disabled_at IS NULL
        AND (w.events IS NULL OR m.hook = ANY(w.events))
      JOIN jobs j ON j.id = e.job_id
      RETURNING 1
    ), webhook_notified AS (
      SELECT count(pg_notify(${WEBHOOKS_CHANNEL}, '')) AS n FROM (SELECT 1 FROM webhook_outbox LIMIT 1) AS any_delivery
    )`;
}
