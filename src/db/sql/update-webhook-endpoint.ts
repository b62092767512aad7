import type { Db } from "../database.js";
import { now } from "../now.js";
import type { WebhookEndpointRow } from "../schema.js";

export interface WebhookEndpointChange {
  url?: string;
  description?: string | null;
  events?: string[] | null;
  /** true re-enables a disabled endpoint (and forgets its failing streak); false disables it. */
  enabled?: boolean;
}

/** Applies a PATCH to a tenant's endpoint; undefined when there is no such endpoint. */
export function updateWebhookEndpoint(
  db: Db,
  tenantId: string,
  id: string,
  change: WebhookEndpointChange,
): Promise<WebhookEndpointRow | undefined> {
  const enabled =
    change.enabled === undefined
      ? {}
      : change.enabled
        ? { disabled_at: null, disabled_reason: null, failing_since: null }
        : { disabled_at: now(), disabled_reason: "disabled by the tenant" };
  return db
    .updateTable("webhook_endpoints")
    .set({
      ...(change.url !== undefined ? { url: change.url } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.events !== undefined ? { events: change.events } : {}),
      ...enabled,
      updated_at: now(),
    })
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .returningAll()
    .executeTakeFirst();
}
