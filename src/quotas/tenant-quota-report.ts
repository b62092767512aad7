import type { QuotaConfig } from "../config/index.js";
import type { Db } from "../db/database.js";
import { listTenantQuotaUsage, type TenantQuotaUsage } from "../db/sql/list-tenant-quota-usage.js";
import type { TenantLimits } from "./tenant-limits.js";

/** One tenant's usage beside its limits in effect (0: unlimited). */
export interface TenantQuotaReport {
  tenant: string;
  usage: { uploadsPerMinute: number; bytes: number; documents: number; streams: number };
  limits: TenantLimits;
  /** Which limits are the tenant's own (set-limits) rather than the defaults. */
  overridden: (keyof TenantLimits)[];
}

/** Tenants with usage or overrides, largest by bytes first, at most `max` (gauge cardinality). */
export async function tenantQuotaReports(
  db: Db,
  defaults: QuotaConfig["tenantDefaults"],
  opts: { max: number; tenant?: string },
): Promise<TenantQuotaReport[]> {
  const rows = await listTenantQuotaUsage(db, { limit: opts.max, tenant: opts.tenant });
  return rows.map((r) => reportOf(r, defaults));
}

function reportOf(r: TenantQuotaUsage, defaults: QuotaConfig["tenantDefaults"]): TenantQuotaReport {
  const own: Partial<TenantLimits> = {
    ...(r.uploadsPerMinute !== null && { uploadsPerMinute: r.uploadsPerMinute }),
    ...(r.maxBytes !== null && { maxBytes: r.maxBytes }),
    ...(r.maxDocuments !== null && { maxDocuments: r.maxDocuments }),
    ...(r.maxStreams !== null && { maxStreams: r.maxStreams }),
  };
  const limits: TenantLimits = { ...defaults, ...own };
  const cap = limits.uploadsPerMinute;
  // Tokens spent and not yet refilled: about the uploads of the last minute.
  const tokens =
    r.bucketTokens === null || cap <= 0
      ? cap
      : Math.min(cap, r.bucketTokens + ((r.bucketAgeSeconds ?? 0) * cap) / 60);
  return {
    tenant: r.tenant,
    usage: {
      uploadsPerMinute: Math.max(0, Math.round(cap - tokens)),
      bytes: r.bytes,
      documents: r.documents,
      streams: r.streams,
    },
    limits,
    overridden: Object.keys(own) as (keyof TenantLimits)[],
  };
}
