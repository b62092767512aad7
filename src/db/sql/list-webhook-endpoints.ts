import type { Db } from "../database.js";
import type { WebhookEndpointRow } from "../schema.js";

/** A tenant's endpoints, oldest first (a tenant has a handful). */
export function listWebhookEndpoints(db: Db, tenantId: string): Promise<WebhookEndpointRow[]> {
  return db
    .selectFrom("webhook_endpoints")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}
