import type { Db } from "../database.js";

/** A tenant's keys, revoked ones included, newest first; never the hash. */
export function listApiKeys(db: Db, tenantId: string) {
  return db
    .selectFrom("api_keys")
    .select(["id", "key_prefix", "label", "created_at", "last_used_at", "revoked_at"])
    .where("tenant_id", "=", tenantId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .execute();
}
