import type { Db } from "../database.js";

/** The tenant a key hash belongs to, or null for an unknown or revoked key. */
export async function findTenantByKeyHash(db: Db, keyHash: string): Promise<string | null> {
  const row = await db
    .selectFrom("api_keys")
    .select("tenant_id")
    .where("key_hash", "=", keyHash)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return row?.tenant_id ?? null;
}
