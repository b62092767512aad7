import { sql } from "kysely";
import type { Db } from "../database.js";
import type { WebhookDeliveryRow } from "../schema.js";

export interface ClaimDeliveriesOptions {
  /** Identifies the deliverer holding the lease; the result is fenced on it. */
  owner: string;
  limit: number;
  /** Longer than one attempt can take (the request timeout), so a live attempt keeps it. */
  leaseSeconds: number;
  /** Attempts per round; a delivery whose deliverer died on its last one is failed here. */
  maxAttempts: number;
}

/** A claimed delivery with what sending it needs from its endpoint. */
export type ClaimedDelivery = WebhookDeliveryRow & {
  url: string;
  secret: string;
  /** The secret before the last rotation, while it is still within its grace period. */
  previous_secret: string | null;
};

/**
 * Claims up to `limit` due deliveries of enabled endpoints in one statement, like the job
 * claim: FOR UPDATE SKIP LOCKED so concurrent deliverers never take the same row, and a
 * lease (lease_owner, lease_expires_at) instead of a status, so a delivery whose deliverer
 * died becomes due again when its lease runs out; no reaper is needed. The claim counts the
 * attempt. A delivery whose last attempt of the round was lost that way is failed instead.
 */
export async function claimWebhookDeliveries(
  db: Db,
  opts: ClaimDeliveriesOptions,
): Promise<ClaimedDelivery[]> {
  if (opts.limit <= 0) return [];
  const { rows } = await claimWebhookDeliveriesStatement(opts).execute(db);
  return rows;
}

export function claimWebhookDeliveriesStatement(opts: ClaimDeliveriesOptions) {
  return sql<ClaimedDelivery>`
    WITH given_up AS (
      UPDATE webhook_deliveries SET
        status = 'failed', lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
        last_error = 'the deliverer stopped responding on the last attempt'
      WHERE id IN (
        SELECT id FROM webhook_deliveries
        WHERE status = 'pending' AND lease_expires_at <= now() AND attempt - round_start >= ${opts.maxAttempts}
        LIMIT 100 FOR UPDATE SKIP LOCKED)
    ), claimed AS (
      UPDATE webhook_deliveries SET
        lease_owner = ${opts.owner},
        lease_expires_at = now() + make_interval(secs => ${opts.leaseSeconds}),
        attempt = attempt + 1,
        updated_at = now()
      WHERE id IN (
        SELECT d.id FROM webhook_deliveries d
        JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.disabled_at IS NULL
        WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= now())
          AND d.attempt - d.round_start < ${opts.maxAttempts}
        ORDER BY d.next_attempt_at
        LIMIT ${opts.limit}
        FOR UPDATE OF d SKIP LOCKED)
      RETURNING *
    )
    SELECT claimed.*, w.url, w.secret,
           CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS previous_secret
    FROM claimed JOIN webhook_endpoints w ON w.id = claimed.endpoint_id`;
}
