import type { WebhookEndpointRow } from "../db/schema.js";
import type { DeliveryWithAttempts } from "../db/sql/list-webhook-deliveries.js";
import { WEBHOOK_EVENT_TYPES } from "../db/webhook-events.js";
import { webhookMessageId } from "./payload.js";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The public shape of an endpoint; the secret is shown only by create and rotate-secret. */
export function webhookEndpointDto(e: WebhookEndpointRow) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    /** The types it receives; `allEvents` says whether that is because it named none. */
    events: e.events ?? [...WEBHOOK_EVENT_TYPES],
    allEvents: e.events === null,
    enabled: e.disabled_at === null,
    disabledAt: iso(e.disabled_at),
    disabledReason: e.disabled_reason,
    failingSince: iso(e.failing_since),
    createdAt: iso(e.created_at),
    updatedAt: iso(e.updated_at),
  };
}

export function webhookDeliveryDto(d: DeliveryWithAttempts) {
  return {
    id: d.id,
    webhookId: webhookMessageId(d.id),
    type: d.type,
    jobId: d.job_id,
    status: d.status,
    attempts: d.attempts.map((a) => ({
      attempt: a.attempt,
      statusCode: a.status_code,
      error: a.error,
      durationMs: a.duration_ms,
      at: iso(a.created_at),
    })),
    nextAttemptAt: d.status === "pending" ? iso(d.next_attempt_at) : null,
    lastStatusCode: d.last_status_code,
    lastError: d.last_error,
    deliveredAt: iso(d.delivered_at),
    occurredAt: iso(d.occurred_at),
    createdAt: iso(d.created_at),
  };
}
