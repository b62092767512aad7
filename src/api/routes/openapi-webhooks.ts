import { z } from "zod";
import { WEBHOOK_EVENT_TYPES } from "../../db/webhook-events.js";
import { createWebhookBody, updateWebhookBody } from "../../webhooks/schemas.js";
import { authed, badJson, body, idParam, ok, problems, query, ref } from "./openapi-paths.js";

/** The /v1/webhooks paths and their schemas, spread into the OpenAPI document. */

const fromZod = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", target: "openapi-3.0" });
const str = { type: "string" } as const;
const time = { type: "string", format: "date-time", nullable: true } as const;
const eventTypes = { type: "array", items: { type: "string", enum: [...WEBHOOK_EVENT_TYPES] } };
const webhookNotFound = { ...authed, 404: ["not_found"] };
const badUrl = { 422: ["invalid_webhook_url", "webhook_url_forbidden", "webhook_url_unresolvable"] };
const withSecret = {
  allOf: [
    ref("Webhook"),
    {
      type: "object",
      properties: { secret: { ...str, description: "whsec_ + base64; shown only in this answer" } },
    },
  ],
};
const deliveryId = {
  name: "deliveryId",
  in: "path",
  required: true,
  schema: { type: "string", format: "uuid" },
};

export const webhookSchemas = {
  CreateWebhook: fromZod(createWebhookBody),
  UpdateWebhook: fromZod(updateWebhookBody),
  Webhook: {
    type: "object",
    required: ["id", "url", "events", "enabled"],
    properties: {
      id: { type: "string", format: "uuid" },
      url: str,
      description: { ...str, nullable: true },
      events: eventTypes,
      allEvents: { type: "boolean", description: "no events were named: every type, including future ones" },
      enabled: { type: "boolean" },
      disabledAt: time,
      disabledReason: { ...str, nullable: true },
      failingSince: { ...time, description: "first failure since the last success" },
      createdAt: time,
      updatedAt: time,
    },
  },
  WebhookDelivery: {
    type: "object",
    properties: {
      id: { type: "string", format: "uuid" },
      webhookId: { ...str, description: "the webhook-id header: the same on every attempt" },
      type: { type: "string", enum: [...WEBHOOK_EVENT_TYPES] },
      jobId: { type: "string", format: "uuid" },
      status: { type: "string", enum: ["pending", "succeeded", "failed"] },
      attempts: {
        type: "array",
        items: {
          type: "object",
          properties: {
            attempt: { type: "integer" },
            statusCode: { type: "integer", nullable: true },
            error: { ...str, nullable: true },
            durationMs: { type: "integer" },
            at: time,
          },
        },
      },
      nextAttemptAt: time,
      lastStatusCode: { type: "integer", nullable: true },
      lastError: { ...str, nullable: true },
      deliveredAt: time,
      occurredAt: time,
      createdAt: time,
    },
  },
  WebhookMessage: {
    type: "object",
    description:
      "What intake POSTs to an endpoint, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature).",
    properties: {
      type: { type: "string", enum: [...WEBHOOK_EVENT_TYPES] },
      timestamp: { type: "string", format: "date-time" },
      data: { type: "object", properties: { job: ref("Job") } },
    },
  },
};

export const webhookPaths = {
  "/v1/webhooks": {
    post: {
      summary: "Add a webhook endpoint; the answer holds its signing secret, shown once",
      requestBody: body("CreateWebhook"),
      responses: { 201: ok("created", withSecret), ...problems({ 400: badJson, ...authed, ...badUrl }) },
    },
    get: {
      summary: "The tenant's webhook endpoints",
      responses: {
        200: ok("endpoints", {
          type: "object",
          properties: { webhooks: { type: "array", items: ref("Webhook") } },
        }),
        ...problems(authed),
      },
    },
  },
  "/v1/webhooks/{id}": {
    get: {
      summary: "A webhook endpoint (disabled ones show when and why)",
      parameters: [idParam],
      responses: { 200: ok("the endpoint", ref("Webhook")), ...problems(webhookNotFound) },
    },
    patch: {
      summary: "Change url, events, description; `enabled: true` re-enables a disabled endpoint",
      parameters: [idParam],
      requestBody: body("UpdateWebhook"),
      responses: {
        200: ok("the endpoint", ref("Webhook")),
        ...problems({ 400: badJson, ...webhookNotFound, ...badUrl }),
      },
    },
    delete: {
      summary: "Remove a webhook endpoint and its deliveries",
      parameters: [idParam],
      responses: { 204: { description: "removed" }, ...problems(webhookNotFound) },
    },
  },
  "/v1/webhooks/{id}/rotate-secret": {
    post: {
      summary: "A new signing secret; the old one keeps signing beside it for the grace period",
      parameters: [idParam],
      responses: { 200: ok("the endpoint with its new secret", withSecret), ...problems(webhookNotFound) },
    },
  },
  "/v1/webhooks/{id}/deliveries": {
    get: {
      summary: "The endpoint's deliveries, newest first, with every attempt and its status code",
      parameters: [
        idParam,
        query("cursor", str, "nextCursor of the previous page"),
        query("limit", { type: "integer", minimum: 1, maximum: 100, default: 20 }),
      ],
      responses: {
        200: ok("a page", {
          type: "object",
          properties: {
            deliveries: { type: "array", items: ref("WebhookDelivery") },
            nextCursor: { ...str, nullable: true },
          },
        }),
        ...problems({ 400: ["invalid_query", "invalid_cursor"], ...webhookNotFound }),
      },
    },
  },
  "/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver": {
    post: {
      summary: "Send a delivery again (same webhook-id, a new round of attempts)",
      parameters: [idParam, deliveryId],
      responses: {
        202: ok("queued", { type: "object", properties: { id: str, status: { enum: ["pending"] } } }),
        ...problems({ ...webhookNotFound, 409: ["delivery_in_flight"] }),
      },
    },
  },
};
