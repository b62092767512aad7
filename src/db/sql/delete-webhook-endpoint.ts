import type { Db } from "../database.js";

/**
 * Removes a tenant's endpoint with its deliveries and attempts (ON DELETE CASCADE). A delivery
 * in flight meanwhile finds its row gone: its fenced result changes nothing.
 */
export async function deleteWebhookEndpoint(db: Db, tenantId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom("webhook_endpoints")
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
