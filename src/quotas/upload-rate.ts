import type { Db } from "../db/database.js";
import { takeUploadToken } from "../db/sql/take-upload-token.js";
import { QuotaError } from "./quota-error.js";

/**
 * Spends one of the tenant's uploads of this minute, or throws QuotaError `rate_limited` with
 * the seconds until the bucket holds a token again. `perMinute` 0 is unlimited.
 */
export async function spendUpload(db: Db, tenantId: string, perMinute: number): Promise<void> {
  if (perMinute <= 0) return;
  const { taken, tokens } = await takeUploadToken(db, tenantId, perMinute);
  if (taken) return;
  const retryAfter = Math.max(1, Math.ceil(((1 - tokens) * 60) / perMinute));
  const used = Math.min(perMinute, Math.ceil(perMinute - tokens));
  throw new QuotaError("rate_limited", "uploads_per_minute", perMinute, used, retryAfter);
}
