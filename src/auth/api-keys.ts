import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db/database.js";
import { findApiKeyByHash } from "../db/sql/find-api-key-by-hash.js";
import { findLiveApiKey } from "../db/sql/find-live-api-key.js";
import { findTenantByKeyHash } from "../db/sql/find-tenant-by-key-hash.js";
import { insertApiKey } from "../db/sql/insert-api-key.js";
import { listApiKeys } from "../db/sql/list-api-keys.js";
import { revokeApiKey } from "../db/sql/revoke-api-key.js";
import { touchApiKey } from "../db/sql/touch-api-key.js";

/*
 * API keys: random strings shown once; only their sha256 is stored. There is deliberately no
 * in-process cache of key → tenant: every request (and every use of a token minted with a key)
 * reads the key's row by a unique index, about 0.1 ms, so a revoke is seen by every API
 * instance on the next request with nothing to invalidate.
 */

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

/** Refreshing `last used` more often than this would cost a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyInfo {
  id: string;
  prefix: string;
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface IssuedApiKey extends ApiKeyInfo {
  /** The key itself; it cannot be read again. */
  key: string;
}

const newKey = () => `ik_${randomBytes(24).toString("base64url")}`;
const prefixOf = (key: string) => key.slice(0, 6);

/** A new random key (shown once); only its sha256 is stored. */
export async function createApiKey(db: Db, tenantId: string, label?: string): Promise<string> {
  return (await issueApiKey(db, tenantId, label)).key;
}

/**
 * A new key for a tenant with its listing fields.
 *
 * @example
 * const { id, key } = await issueApiKey(db, "acme", "ci");
 */
export async function issueApiKey(db: Db, tenantId: string, label?: string): Promise<IssuedApiKey> {
  const key = newKey();
  const row = await insertApiKey(db, {
    tenantId,
    keyHash: hashApiKey(key),
    keyPrefix: prefixOf(key),
    label: label ?? null,
  });
  // 192 random bits cannot collide with a stored key; a null here means the insert was lost.
  if (!row) throw new Error("a freshly generated API key was already stored");
  return {
    id: row.id,
    key,
    prefix: prefixOf(key),
    label: label ?? null,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: null,
    revokedAt: null,
  };
}

/** Stores a given key for a tenant, creating the tenant if needed. Idempotent for the same key. */
export async function storeApiKey(db: Db, tenantId: string, key: string, label?: string): Promise<void> {
  await insertApiKey(db, {
    tenantId,
    keyHash: hashApiKey(key),
    keyPrefix: prefixOf(key),
    label: label ?? null,
  });
}

/** The tenant a key belongs to, or null for an unknown or revoked key. */
export function tenantForApiKey(db: Db, key: string): Promise<string | null> {
  return findTenantByKeyHash(db, hashApiKey(key));
}

/**
 * The live key behind a presented secret, or null for an unknown or revoked one; notes its use
 * when the last note is over a minute old (the SQL re-checks, so instances racing write once).
 */
export async function authenticateApiKey(
  db: Db,
  key: string,
  now = Date.now(),
): Promise<{ keyId: string; tenant: string } | null> {
  const row = await findApiKeyByHash(db, hashApiKey(key));
  if (!row) return null;
  if (!row.last_used_at || now - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) {
    await touchApiKey(db, row.id);
  }
  return { keyId: row.id, tenant: row.tenant_id };
}

/** The tenant of a key id that is still live, for tokens minted with that key. */
export function tenantForLiveKeyId(db: Db, keyId: string): Promise<string | null> {
  return findLiveApiKey(db, keyId);
}

export async function listTenantApiKeys(db: Db, tenantId: string): Promise<ApiKeyInfo[]> {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return (await listApiKeys(db, tenantId)).map((r) => ({
    id: r.id,
    prefix: r.key_prefix,
    label: r.label,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  }));
}

/** Revokes one of a tenant's keys; false when the tenant has no such key. */
export async function revokeTenantApiKey(db: Db, tenantId: string, keyId: string): Promise<boolean> {
  return (await revokeApiKey(db, tenantId, keyId)) !== undefined;
}
