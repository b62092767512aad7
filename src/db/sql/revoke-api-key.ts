import { sql } from "kysely";
import type { Db } from "../database.js";

/**
 * Revokes a tenant's key; revoking it again keeps the first time. Undefined when the tenant has
 * no such key (another tenant's key looks the same as none).
 */
export function revokeApiKey(db: Db, tenantId: string, id: string) {
  return db
    .updateTable("api_keys")
    .set({ revoked_at: sql`coalesce(revoked_at, now())` })
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .returning(["id", "revoked_at"])
    .executeTakeFirst();
}
