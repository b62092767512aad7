import type { Db } from "../database.js";
import type { WebhookEndpointRow } from "../schema.js";

export interface NewWebhookEndpoint {
  tenantId: string;
  url: string;
  description: string | null;
  events: string[] | null;
  secret: string;
}

/** Adds an endpoint; the tenant row exists (its API key does). */
export function insertWebhookEndpoint(db: Db, endpoint: NewWebhookEndpoint): Promise<WebhookEndpointRow> {
  return db
    .insertInto("webhook_endpoints")
    .values({
      tenant_id: endpoint.tenantId,
      url: endpoint.url,
      description: endpoint.description,
      events: endpoint.events,
      secret: endpoint.secret,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
