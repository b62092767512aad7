import { sql } from "kysely";
import type { Db } from "../database.js";
import type { WebhookAttemptRow, WebhookDeliveryRow } from "../schema.js";

export type DeliveryWithAttempts = Omit<WebhookDeliveryRow, "job"> & {
  attempts: Pick<WebhookAttemptRow, "attempt" | "status_code" | "error" | "duration_ms" | "created_at">[];
};

/**
 * An endpoint's deliveries, newest first, each with its attempts in order (one statement: the
 * attempts are aggregated per delivery). `before` is the previous page's last (created_at, id).
 */
export async function listWebhookDeliveries(
  db: Db,
  endpointId: string,
  opts: { limit: number; before?: { createdAt: string; id: string } },
): Promise<DeliveryWithAttempts[]> {
  const before = opts.before
    ? sql`AND (d.created_at, d.id) < (${opts.before.createdAt}::timestamptz, ${opts.before.id}::uuid)`
    : sql``;
  const { rows } = await sql<
    DeliveryWithAttempts & { attempts: (WebhookAttemptRow & { created_at: string })[] }
  >`
    SELECT d.id, d.endpoint_id, d.tenant_id, d.event_id, d.job_id, d.type, d.occurred_at, d.status,
           d.attempt, d.next_attempt_at, d.lease_owner, d.lease_expires_at, d.last_status_code,
           d.last_error, d.delivered_at, d.created_at, d.updated_at,
           coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'status_code', a.status_code,
                       'error', a.error, 'duration_ms', a.duration_ms, 'created_at', a.created_at) ORDER BY a.id)
                     FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]') AS attempts
    FROM webhook_deliveries d
    WHERE d.endpoint_id = ${endpointId} ${before}
    ORDER BY d.created_at DESC, d.id DESC
    LIMIT ${opts.limit}`.execute(db);
  return rows.map((r) => ({
    ...r,
    attempts: r.attempts.map((a) => ({ ...a, created_at: new Date(a.created_at) })),
  }));
}
