import { sql } from "kysely";
import type { Db } from "../database.js";
import { WEBHOOKS_CHANNEL } from "../webhook-events.js";

/**
 * Queues one of an endpoint's deliveries again, due now, with a new round of retries; it keeps
 * its id, so the receiver sees the same webhook-id. An attempt in flight (a live lease) is left
 * alone. NOTIFYs the deliverers on commit. `found`: the endpoint has this delivery; `queued`:
 * it was queued.
 */
export async function redeliverWebhook(
  db: Db,
  endpointId: string,
  deliveryId: string,
): Promise<{ found: boolean; queued: boolean }> {
  const { rows } = await sql<{ found: boolean; queued: boolean }>`
    WITH target AS (
      SELECT id, lease_expires_at FROM webhook_deliveries WHERE id = ${deliveryId} AND endpoint_id = ${endpointId}
    ), queued AS (
      UPDATE webhook_deliveries SET
        status = 'pending', round_start = attempt, next_attempt_at = now(),
        lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
      WHERE id IN (SELECT id FROM target WHERE lease_expires_at IS NULL OR lease_expires_at <= now())
      RETURNING id
    ), notified AS (
      SELECT count(pg_notify(${WEBHOOKS_CHANNEL}, '')) AS n FROM queued
    )
    SELECT EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM queued) AS queued, notified.n
    FROM notified`.execute(db);
  const row = rows[0]!;
  return { found: row.found, queued: row.queued };
}
