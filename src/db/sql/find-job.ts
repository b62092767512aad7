import { sql } from "kysely";
import type { Db } from "../database.js";
import { prepared } from "../prepared.js";
import type { JobRow } from "../schema.js";

/** One job by id, whoever owns it (workers, the reconciler, tests). */
export function findJobById(db: Db, id: string): Promise<JobRow | undefined> {
  return db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * A tenant's job; another tenant's id, or a deleted job (a tombstone), reads as absent. Every
 * tenant-facing read uses this.
 */
export async function findJob(db: Db, tenantId: string, id: string): Promise<JobRow | undefined> {
  const query = db
    .selectFrom("jobs")
    .selectAll()
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .where("status", "<>", "deleted");
  // Prepared: every request about one job (a completion among them) starts here.
  const { rows } = await prepared(sql<JobRow>`${query}`).execute(db);
  return rows[0];
}
