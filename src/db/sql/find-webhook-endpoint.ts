import type { Db } from "../database.js";
import type { WebhookEndpointRow } from "../schema.js";

/** A tenant's endpoint; another tenant's id reads as absent. */
export function findWebhookEndpoint(
  db: Db,
  tenantId: string,
  id: string,
): Promise<WebhookEndpointRow | undefined> {
  return db
    .selectFrom("webhook_endpoints")
    .selectAll()
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
}
