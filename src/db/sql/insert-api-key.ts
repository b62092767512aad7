import type { Db } from "../database.js";

/** Stores a key's hash for a tenant, creating the tenant if needed. Idempotent for the same key. */
export async function insertApiKey(
  db: Db,
  key: { tenantId: string; keyHash: string; keyPrefix: string; label: string | null },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("tenants")
      .values({ id: key.tenantId })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await trx
      .insertInto("api_keys")
      .values({ tenant_id: key.tenantId, key_hash: key.keyHash, key_prefix: key.keyPrefix, label: key.label })
      .onConflict((oc) => oc.column("key_hash").doNothing())
      .execute();
  });
}
