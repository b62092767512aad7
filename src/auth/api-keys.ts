import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db/database.js";
import { findTenantByKeyHash } from "../db/sql/find-tenant-by-key-hash.js";
import { insertApiKey } from "../db/sql/insert-api-key.js";

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

/** A new random key (shown once); only its sha256 is stored. */
export async function createApiKey(db: Db, tenantId: string, label?: string): Promise<string> {
  const key = `ik_${randomBytes(24).toString("base64url")}`;
  await storeApiKey(db, tenantId, key, label);
  return key;
}

/** Stores a given key for a tenant, creating the tenant if needed. Idempotent for the same key. */
export async function storeApiKey(db: Db, tenantId: string, key: string, label?: string): Promise<void> {
  await insertApiKey(db, {
    tenantId,
    keyHash: hashApiKey(key),
    keyPrefix: key.slice(0, 6),
    label: label ?? null,
  });
}

/** The tenant a key belongs to, or null for an unknown or revoked key. */
export function tenantForApiKey(db: Db, key: string): Promise<string | null> {
  return findTenantByKeyHash(db, hashApiKey(key));
}
