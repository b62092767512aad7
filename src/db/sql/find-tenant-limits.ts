import type { Db } from "../database.js";

/** A tenant's overrides; null: the configured default, 0: unlimited. */
export interface TenantLimitOverrides {
  uploadsPerMinute: number | null;
  maxBytes: number | null;
  maxDocuments: number | null;
  maxStreams: number | null;
}

/** The tenant's row of `tenant_limits`, or every column null when it has none. */
export async function findTenantLimits(db: Db, tenantId: string): Promise<TenantLimitOverrides> {
  const row = await db
    .selectFrom("tenant_limits")
    .select(["uploads_per_minute", "max_bytes", "max_documents", "max_streams"])
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return {
    uploadsPerMinute: row?.uploads_per_minute ?? null,
    maxBytes: row?.max_bytes == null ? null : Number(row.max_bytes),
    maxDocuments: row?.max_documents ?? null,
    maxStreams: row?.max_streams ?? null,
  };
}
