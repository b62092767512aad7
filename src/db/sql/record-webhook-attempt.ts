import { sql } from "kysely";
import type { Db } from "../database.js";
import type { WebhookDeliveryRow } from "../schema.js";

export interface WebhookAttemptResult {
  /** The claim's fence: the delivery changes only while this owner holds this attempt. */
  fence: { id: string; attempt: number; owner: string };
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** When to try again after a failure; null: the round's attempts are spent (failed). */
  retryDelayMs: number | null;
  /** An endpoint failing without a success for this long is disabled. */
  disableAfterSeconds: number;
}

/**
 * Records one attempt in one transaction: the fenced delivery update (succeeded; pending again
 * after `retryDelayMs`; or failed), the attempt row, and the endpoint's failing streak, which a
 * success clears and which disables the endpoint once it is older than `disableAfterSeconds`.
 * Returns null when the lease was lost (another deliverer took over, or the endpoint was
 * deleted): nothing is written.
 */
export async function recordWebhookAttempt(
  db: Db,
  r: WebhookAttemptResult,
): Promise<{ delivery: WebhookDeliveryRow; endpointDisabled: boolean } | null> {
  return db.transaction().execute(async (trx) => {
    const status = r.ok ? "succeeded" : r.retryDelayMs === null ? "failed" : "pending";
    const { rows } = await sql<WebhookDeliveryRow>`
      UPDATE webhook_deliveries SET
        status = ${status},
        next_attempt_at = now() + make_interval(secs => ${(r.retryDelayMs ?? 0) / 1000}),
        lease_owner = NULL, lease_expires_at = NULL,
        last_status_code = ${r.statusCode}, last_error = ${r.error},
        delivered_at = CASE WHEN ${r.ok} THEN now() END,
        updated_at = now()
      WHERE id = ${r.fence.id} AND lease_owner = ${r.fence.owner} AND attempt = ${r.fence.attempt}
        AND status = 'pending'
      RETURNING *`.execute(trx);
    const delivery = rows[0];
    if (!delivery) return null;
    await sql`
      INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms)
      VALUES (${delivery.id}, ${r.fence.attempt}, ${r.statusCode}, ${r.error}, ${Math.round(r.durationMs)})`.execute(
      trx,
    );
    const streak = await sql<{ just_disabled: boolean }>`
      UPDATE webhook_endpoints SET
        failing_since = CASE WHEN ${r.ok} THEN NULL ELSE coalesce(failing_since, now()) END,
        disabled_at = CASE
          WHEN disabled_at IS NULL AND NOT ${r.ok}
               AND coalesce(failing_since, now()) <= now() - make_interval(secs => ${r.disableAfterSeconds})
          THEN now() ELSE disabled_at END,
        disabled_reason = CASE
          WHEN disabled_at IS NULL AND NOT ${r.ok}
               AND coalesce(failing_since, now()) <= now() - make_interval(secs => ${r.disableAfterSeconds})
          THEN 'every delivery failed for ' || ${r.disableAfterSeconds} || ' seconds' ELSE disabled_reason END
      WHERE id = ${delivery.endpoint_id}
      RETURNING disabled_at IS NOT NULL AND disabled_at = now() AS just_disabled`.execute(trx);
    return { delivery, endpointDisabled: streak.rows[0]?.just_disabled ?? false };
  });
}
