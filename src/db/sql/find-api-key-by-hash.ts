import type { Db } from "../database.js";

/** The live key with this hash (its id, tenant and last use), or undefined for an unknown or revoked one. */
export function findApiKeyByHash(db: Db, keyHash: string) {
  return db
    .selectFrom("api_keys")
    .select(["id", "tenant_id", "last_used_at"])
    .where("key_hash", "=", keyHash)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}
