// Outbound webhooks (Standard Webhooks): endpoints, signing, the SSRF guard and the deliverer.
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../db/webhook-events.js";
export { forbiddenAddressReason } from "./address-policy.js";
export { type DeliverySettings, WebhookDeliverer, type WebhookDelivererProps } from "./deliverer.js";
export { webhookDeliveryDto, webhookEndpointDto } from "./dto.js";
export { webhookMessageId, webhookPayload } from "./payload.js";
export { createWebhookBody, updateWebhookBody } from "./schemas.js";
export { generateWebhookSecret, signWebhook } from "./secret.js";
export type { WebhookServiceDeps } from "./service.js";
export * as webhooks from "./service.js";
export { checkWebhookUrl, type ResolveAll } from "./url-policy.js";
export { WebhookError, type WebhookErrorCode } from "./webhook-error.js";
