import type { JobRow, WebhookDeliveryRow } from "../db/schema.js";
import { jobDto } from "../jobs/job-dto.js";

const TIMESTAMPS = [
  "upload_expires_at",
  "next_reconcile_at",
  "run_after",
  "lease_expires_at",
  "created_at",
  "uploaded_at",
  "claimed_at",
  "started_at",
  "finished_at",
  "updated_at",
] as const;

/** The job row as the outbox stored it (to_jsonb: timestamps as strings) back as a JobRow. */
export function jobRowFromSnapshot(snapshot: Record<string, unknown>): JobRow {
  const row: Record<string, unknown> = { ...snapshot, size: String(snapshot.size) };
  for (const key of TIMESTAMPS) {
    const v = snapshot[key];
    row[key] = typeof v === "string" ? new Date(v) : null;
  }
  return row as unknown as JobRow;
}

/**
 * The body of a delivery, per the Standard Webhooks payload structure: `{type, timestamp,
 * data}`, where `timestamp` is when the event happened and `data.job` is the DTO of
 * GET /v1/jobs/{id} for the job as the event's transaction left it. Built from the stored
 * snapshot, so every attempt of one delivery sends the same bytes.
 */
export function webhookPayload(delivery: Pick<WebhookDeliveryRow, "type" | "occurred_at" | "job">): string {
  return JSON.stringify({
    type: delivery.type,
    timestamp: new Date(delivery.occurred_at).toISOString(),
    data: { job: jobDto(jobRowFromSnapshot(delivery.job.row), delivery.job.outputs) },
  });
}

/** The `webhook-id` of a delivery: the same on every attempt and redelivery of it. */
export const webhookMessageId = (deliveryId: string) => `msg_${deliveryId.replaceAll("-", "")}`;
