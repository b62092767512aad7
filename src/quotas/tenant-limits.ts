import type { QuotaConfig } from "../config/index.js";
import type { Db } from "../db/database.js";
import { findTenantLimits, type TenantLimitOverrides } from "../db/sql/find-tenant-limits.js";

/** A tenant's limits in effect: its overrides, else the configured defaults; 0 is unlimited. */
export interface TenantLimits {
  uploadsPerMinute: number;
  maxBytes: number;
  maxDocuments: number;
  maxStreams: number;
}

/** One primary-key read; a change by `intake tenants set-limits` applies to the next request. */
export async function tenantLimits(
  db: Db,
  tenantId: string,
  defaults: QuotaConfig["tenantDefaults"],
): Promise<TenantLimits> {
  return resolveTenantLimits(await findTenantLimits(db, tenantId), defaults);
}

export function resolveTenantLimits(
  o: TenantLimitOverrides,
  defaults: QuotaConfig["tenantDefaults"],
): TenantLimits {
  return {
    uploadsPerMinute: o.uploadsPerMinute ?? defaults.uploadsPerMinute,
    maxBytes: o.maxBytes ?? defaults.maxBytes,
    maxDocuments: o.maxDocuments ?? defaults.maxDocuments,
    maxStreams: o.maxStreams ?? defaults.maxStreams,
  };
}
