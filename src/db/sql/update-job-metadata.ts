import type { Db } from "../database.js";
import { now } from "../now.js";
import { safeJson } from "../safe-values.js";
import type { JobRow } from "../schema.js";

/** Replaces a tenant's job's metadata (no reprocessing); undefined for an unknown or deleted job. */
export function updateJobMetadata(
  db: Db,
  tenantId: string,
  id: string,
  metadata: Record<string, unknown>,
): Promise<JobRow | undefined> {
  return db
    .updateTable("jobs")
    .set({ metadata: safeJson(metadata), updated_at: now() })
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .where("status", "<>", "deleted")
    .returningAll()
    .executeTakeFirst();
}
