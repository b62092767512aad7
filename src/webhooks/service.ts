import type { Db } from "../db/database.js";
import type { WebhookEndpointRow } from "../db/schema.js";
import { deleteWebhookEndpoint } from "../db/sql/delete-webhook-endpoint.js";
import { findWebhookEndpoint } from "../db/sql/find-webhook-endpoint.js";
import { insertWebhookEndpoint } from "../db/sql/insert-webhook-endpoint.js";
import { type DeliveryWithAttempts, listWebhookDeliveries } from "../db/sql/list-webhook-deliveries.js";
import { listWebhookEndpoints } from "../db/sql/list-webhook-endpoints.js";
import { redeliverWebhook } from "../db/sql/redeliver-webhook.js";
import { rotateWebhookSecret } from "../db/sql/rotate-webhook-secret.js";
import { updateWebhookEndpoint } from "../db/sql/update-webhook-endpoint.js";
import type { CreateWebhookBody, UpdateWebhookBody } from "./schemas.js";
import { generateWebhookSecret } from "./secret.js";
import { checkWebhookUrl, type ResolveAll } from "./url-policy.js";
import { WebhookError } from "./webhook-error.js";

export interface WebhookServiceDeps {
  db: Db;
  allowPrivateUrls: boolean;
  /** How long a rotated-out secret keeps signing. */
  secretGraceSeconds: number;
  resolve?: ResolveAll;
}

const policy = (deps: WebhookServiceDeps) => ({ allowPrivate: deps.allowPrivateUrls, resolve: deps.resolve });
/** An empty or full list of types means the same as none named: every type, now and later. */
const eventsOf = (events: string[] | null | undefined) => (events ? [...new Set(events)] : events);

/** Adds an endpoint after checking its URL; the answer carries the secret, shown only now. */
export async function createEndpoint(
  deps: WebhookServiceDeps,
  tenantId: string,
  body: CreateWebhookBody,
): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  const url = await checkWebhookUrl(body.url, policy(deps));
  const secret = generateWebhookSecret();
  const endpoint = await insertWebhookEndpoint(deps.db, {
    tenantId,
    url: url.href,
    description: body.description ?? null,
    events: eventsOf(body.events) ?? null,
    secret,
  });
  return { endpoint, secret };
}

export const listEndpoints = (deps: WebhookServiceDeps, tenantId: string) =>
  listWebhookEndpoints(deps.db, tenantId);

export const findEndpoint = (deps: WebhookServiceDeps, tenantId: string, id: string) =>
  findWebhookEndpoint(deps.db, tenantId, id);

/** Applies a PATCH (a new URL is checked like a created one); undefined for an unknown id. */
export async function updateEndpoint(
  deps: WebhookServiceDeps,
  tenantId: string,
  id: string,
  body: UpdateWebhookBody,
): Promise<WebhookEndpointRow | undefined> {
  const url = body.url === undefined ? undefined : (await checkWebhookUrl(body.url, policy(deps))).href;
  return updateWebhookEndpoint(deps.db, tenantId, id, {
    url,
    description: body.description,
    events: eventsOf(body.events),
    enabled: body.enabled,
  });
}

export const deleteEndpoint = (deps: WebhookServiceDeps, tenantId: string, id: string) =>
  deleteWebhookEndpoint(deps.db, tenantId, id);

/** A new secret; the old one signs too for `secretGraceSeconds`. */
export async function rotateSecret(
  deps: WebhookServiceDeps,
  tenantId: string,
  id: string,
): Promise<{ endpoint: WebhookEndpointRow; secret: string } | undefined> {
  const secret = generateWebhookSecret();
  const endpoint = await rotateWebhookSecret(deps.db, tenantId, id, secret, deps.secretGraceSeconds);
  return endpoint ? { endpoint, secret } : undefined;
}

export const listDeliveries = (
  deps: WebhookServiceDeps,
  endpointId: string,
  opts: { limit: number; before?: { createdAt: string; id: string } },
): Promise<DeliveryWithAttempts[]> => listWebhookDeliveries(deps.db, endpointId, opts);

/**
 * Queues a delivery of the endpoint again (same webhook-id): false when the endpoint has no
 * such delivery, WebhookError `delivery_in_flight` while an attempt of it is being made.
 */
export async function redeliver(
  deps: WebhookServiceDeps,
  endpointId: string,
  deliveryId: string,
): Promise<boolean> {
  const { found, queued } = await redeliverWebhook(deps.db, endpointId, deliveryId);
  if (found && !queued) {
    throw new WebhookError(
      "delivery_in_flight",
      "an attempt of this delivery is in flight; try again when it ends",
    );
  }
  return found;
}
