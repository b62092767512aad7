import { apiRequest } from "./http.js";
import type { ClientOptions, Job } from "./types.js";

export type WebhookEventType =
  | "job.completed"
  | "job.failed"
  | "upload.rejected"
  | "job.expired"
  | "job.cancelled"
  | "job.deleted";

/** A webhook endpoint as `GET /v1/webhooks/{id}` returns it. */
export interface Webhook {
  id: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  allEvents: boolean;
  enabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  type: WebhookEventType;
  jobId: string;
  status: "pending" | "succeeded" | "failed";
  attempts: {
    attempt: number;
    statusCode: number | null;
    error: string | null;
    durationMs: number;
    at: string;
  }[];
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  occurredAt: string;
  createdAt: string;
}

/** What intake POSTs to an endpoint. */
export interface WebhookMessage {
  type: WebhookEventType;
  timestamp: string;
  data: { job: Job };
}

const path = (id: string) => `/v1/webhooks/${encodeURIComponent(id)}`;

/** Adds an endpoint; keep `secret`: it is shown only here (and by rotate). */
export const createWebhook = (
  client: ClientOptions,
  input: { url: string; events?: WebhookEventType[]; description?: string },
) => apiRequest<Webhook & { secret: string }>(client, "POST", "/v1/webhooks", input);

export const listWebhooks = async (client: ClientOptions) =>
  (await apiRequest<{ webhooks: Webhook[] }>(client, "GET", "/v1/webhooks")).webhooks;

export const getWebhook = (client: ClientOptions, id: string) => apiRequest<Webhook>(client, "GET", path(id));

export const updateWebhook = (
  client: ClientOptions,
  id: string,
  change: {
    url?: string;
    events?: WebhookEventType[] | null;
    description?: string | null;
    enabled?: boolean;
  },
) => apiRequest<Webhook>(client, "PATCH", path(id), change);

export const rotateWebhookSecret = (client: ClientOptions, id: string) =>
  apiRequest<Webhook & { secret: string }>(client, "POST", `${path(id)}/rotate-secret`);

export const listWebhookDeliveries = (
  client: ClientOptions,
  id: string,
  opts: { cursor?: string; limit?: number } = {},
) => {
  const q = new URLSearchParams();
  if (opts.cursor) q.set("cursor", opts.cursor);
  if (opts.limit) q.set("limit", String(opts.limit));
  const qs = q.size > 0 ? `?${q}` : "";
  return apiRequest<{ deliveries: WebhookDelivery[]; nextCursor: string | null }>(
    client,
    "GET",
    `${path(id)}/deliveries${qs}`,
  );
};

export const redeliverWebhook = (client: ClientOptions, id: string, deliveryId: string) =>
  apiRequest<{ id: string; status: "pending" }>(
    client,
    "POST",
    `${path(id)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`,
  );

/** Removes an endpoint (204, no body). */
export async function deleteWebhook(client: ClientOptions, id: string): Promise<void> {
  await apiRequest<void>(client, "DELETE", path(id));
}

/**
 * Checks a received webhook per Standard Webhooks, with Web Crypto (browsers, Node, edge
 * runtimes): one of the space-separated `v1,` signatures must be the base64 HMAC-SHA256 of
 * `{webhook-id}.{webhook-timestamp}.{body}` under the base64 key after `whsec_`, and the
 * timestamp within `toleranceSeconds` of now (replays). Pass the body exactly as received.
 *
 * @example
 * if (!(await verifyWebhook(secret, Object.fromEntries(req.headers), rawBody))) return new Response(null, { status: 401 });
 */
export async function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  toleranceSeconds = 300,
): Promise<boolean> {
  const header = (name: string) => String(headers[name] ?? "");
  const id = header("webhook-id");
  const timestamp = header("webhook-timestamp");
  if (!id || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const keyBytes = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  for (const entry of header("webhook-signature").split(" ")) {
    const [version, signature] = entry.split(",");
    if (version !== "v1" || !signature) continue;
    let given: Uint8Array<ArrayBuffer>;
    try {
      given = Uint8Array.from(atob(signature), (c) => c.charCodeAt(0));
    } catch {
      continue;
    }
    // subtle.verify compares in constant time.
    if (await crypto.subtle.verify("HMAC", key, given, content)) return true;
  }
  return false;
}
