// The webhook event types and the job event each is sent for: the vocabulary of the outbox
// (src/db/sql/webhook-outbox.ts), which the webhooks domain and the API use.

/** The job event (job_events.type) each webhook event type is sent for. */
export const WEBHOOK_EVENT_SOURCES = {
  "job.completed": "completed",
  "job.failed": "failed",
  "upload.rejected": "upload_rejected",
  "job.expired": "expired",
  "job.cancelled": "cancelled",
  // Written by a future DELETE /v1/jobs/{id}; defined now so endpoints can subscribe to it.
  "job.deleted": "deleted",
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_SOURCES;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENT_SOURCES) as WebhookEventType[];

const SOURCE_EVENTS = new Set<string>(Object.values(WEBHOOK_EVENT_SOURCES));
/** Whether some webhook is sent for job events of this type (the outbox then rides along). */
export const isWebhookSource = (jobEventType: string): boolean => SOURCE_EVENTS.has(jobEventType);

/** Deliverers LISTEN here; a commit that wrote deliveries NOTIFYs it (empty payload). */
export const WEBHOOKS_CHANNEL = "intake_webhooks";
