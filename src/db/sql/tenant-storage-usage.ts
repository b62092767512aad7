import type { Db, Tx } from "../database.js";

export interface TenantStorageUsage {
  bytes: number;
  documents: number;
}

/**
 * The bytes and documents of the tenant's live jobs (expired, cancelled and deleted jobs do
 * not count), as the trigger of migration 0010 maintains them in `tenant_usage`. Inside the
 * transaction that inserted a job, the trigger's upsert holds the tenant's row lock until the
 * commit, so this read sees every other create that committed and none that can still commit
 * beside it: check-after-insert is exact across instances.
 */
export async function tenantStorageUsage(db: Db | Tx, tenantId: string): Promise<TenantStorageUsage> {
  const row = await db
    .selectFrom("tenant_usage")
    .select(["bytes", "documents"])
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return { bytes: Number(row?.bytes ?? 0), documents: Number(row?.documents ?? 0) };
}

/** Storage limits of one tenant; 0 is unlimited. */
export interface StorageLimits {
  maxBytes: number;
  maxDocuments: number;
}

/** Thrown inside a create's transaction to roll it back when the tenant would be over a limit. */
export class StorageQuotaExceededError extends Error {
  override name = "StorageQuotaExceededError";
  constructor(
    readonly quota: "bytes" | "documents",
    readonly limit: number,
    readonly usage: TenantStorageUsage,
  ) {
    super(`tenant storage quota exceeded: ${quota}`);
  }
}

/**
 * Throws StorageQuotaExceededError when `usage` (which includes the job just inserted) is over a
 * limit; the usage it reports is without that job, what the tenant holds.
 */
export function assertWithinStorageLimits(usage: TenantStorageUsage, limits: StorageLimits, size: number) {
  const held = { bytes: usage.bytes - size, documents: usage.documents - 1 };
  if (limits.maxDocuments > 0 && usage.documents > limits.maxDocuments) {
    throw new StorageQuotaExceededError("documents", limits.maxDocuments, held);
  }
  if (limits.maxBytes > 0 && usage.bytes > limits.maxBytes) {
    throw new StorageQuotaExceededError("bytes", limits.maxBytes, held);
  }
}
