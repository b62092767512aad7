import type { Db } from "../database.js";
import type { JobRow } from "../schema.js";

/** One job by id, whoever owns it (workers, the reconciler, tests). */
export function findJobById(db: Db, id: string): Promise<JobRow | undefined> {
  return db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * A tenant's job; another tenant's id, or a deleted job (a tombstone), reads as absent. Every
 * tenant-facing read uses this.
 */
export function findJob(db: Db, tenantId: string, id: string): Promise<JobRow | undefined> {
  return db
    .selectFrom("jobs")
    .selectAll()
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .where("status", "<>", "deleted")
    .executeTakeFirst();
}
