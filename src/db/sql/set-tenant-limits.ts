import { sql } from "kysely";
import type { Db } from "../database.js";
import type { TenantLimitOverrides } from "./find-tenant-limits.js";

/**
 * Sets some of a tenant's overrides in one upsert: a field that is undefined keeps its value,
 * null returns it to the default.
 */
export async function setTenantLimits(
  db: Db,
  tenantId: string,
  limits: Partial<TenantLimitOverrides>,
): Promise<void> {
  const values = {
    uploads_per_minute: limits.uploadsPerMinute,
    max_bytes: limits.maxBytes,
    max_documents: limits.maxDocuments,
    max_streams: limits.maxStreams,
  };
  const set = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  await db
    .insertInto("tenant_limits")
    .values({ tenant_id: tenantId, ...set })
    .onConflict((oc) => oc.column("tenant_id").doUpdateSet({ ...set, updated_at: sql<Date>`now()` }))
    .execute();
}
