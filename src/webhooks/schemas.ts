import { z } from "zod";
import { WEBHOOK_EVENT_TYPES } from "../db/webhook-events.js";

const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES as [string, ...string[]]))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .describe("event types to receive; omitted or null: all")
  .nullable();
const url = z
  .string()
  .min(1)
  .max(2048)
  .describe("https URL (http only with INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS)");
const description = z.string().max(500).nullable();

/** POST /v1/webhooks */
export const createWebhookBody = z.strictObject({
  url,
  events: events.optional(),
  description: description.optional(),
});

/** PATCH /v1/webhooks/{id}: any of the fields; `enabled: true` re-enables a disabled endpoint. */
export const updateWebhookBody = z.strictObject({
  url: url.optional(),
  events: events.optional(),
  description: description.optional(),
  enabled: z.boolean().optional(),
});

export type CreateWebhookBody = z.infer<typeof createWebhookBody>;
export type UpdateWebhookBody = z.infer<typeof updateWebhookBody>;
