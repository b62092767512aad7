import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db/database.js";

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

/** A new random key (shown once); only its sha256 is stored. */
export async function createApiKey(db: Db, tenantId: string, label?: string): Promise<string> {
  const key = `ik_${randomBytes(24).toString("base64url")}`;
  await storeApiKey(db, tenantId, key, label);
  return key;
}

/** Stores a given key for a tenant, creating the tenant if needed. Idempotent for the same key. */
export async function storeApiKey(db: Db, tenantId: string, key: string, label?: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("tenants")
      .values({ id: tenantId })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await trx
      .insertInto("api_keys")
      .values({
        tenant_id: tenantId,
        key_hash: hashApiKey(key),
        key_prefix: key.slice(0, 6),
        label: label ?? null,
      })
      .onConflict((oc) => oc.column("key_hash").doNothing())
      .execute();
  });
}

/** The tenant a key belongs to, or null for an unknown or revoked key. */
export async function tenantForApiKey(db: Db, key: string): Promise<string | null> {
  const row = await db
    .selectFrom("api_keys")
    .select("tenant_id")
    .where("key_hash", "=", hashApiKey(key))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return row?.tenant_id ?? null;
}
