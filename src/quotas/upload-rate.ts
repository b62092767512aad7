import type { QuotaConfig } from "../config/index.js";
import type { Db } from "../db/database.js";
import { takeUploadToken } from "../db/sql/take-upload-token.js";
import { QuotaError } from "./quota-error.js";
import { resolveTenantLimits, type TenantLimits } from "./tenant-limits.js";

/**
 * Spends one of the tenant's uploads of this minute and returns the tenant's limits in effect
 * (read in the same statement), or throws QuotaError `rate_limited` with the seconds until the
 * bucket holds a token again. An uploads-per-minute of 0 is unlimited.
 */
export async function spendUpload(
  db: Db,
  tenantId: string,
  defaults: QuotaConfig["tenantDefaults"],
): Promise<TenantLimits> {
  const { overrides, perMinute, taken, tokens } = await takeUploadToken(
    db,
    tenantId,
    defaults.uploadsPerMinute,
  );
  if (taken) return resolveTenantLimits(overrides, defaults);
  const retryAfter = Math.max(1, Math.ceil(((1 - tokens) * 60) / perMinute));
  const used = Math.min(perMinute, Math.ceil(perMinute - tokens));
  throw new QuotaError("rate_limited", "uploads_per_minute", perMinute, used, retryAfter);
}
