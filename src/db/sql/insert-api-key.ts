import type { Db } from "../database.js";

/**
 * Stores a key's hash for a tenant, creating the tenant if needed. Idempotent for the same key:
 * the new key's id, or null when that key was already stored.
 */
export async function insertApiKey(
  db: Db,
  key: { tenantId: string; keyHash: string; keyPrefix: string; label: string | null },
): Promise<{ id: string; created_at: Date } | null> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto("tenants")
      .values({ id: key.tenantId })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const row = await trx
      .insertInto("api_keys")
      .values({ tenant_id: key.tenantId, key_hash: key.keyHash, key_prefix: key.keyPrefix, label: key.label })
      .onConflict((oc) => oc.column("key_hash").doNothing())
      .returning(["id", "created_at"])
      .executeTakeFirst();
    return row ?? null;
  });
}
