import type { Db } from "../database.js";
import type { JobStatus } from "../job-states.js";

export interface ObjectOwner {
  id: string;
  tenant_id: string;
  status: JobStatus;
  uploaded_at: Date | null;
}

/**
 * The jobs, among `ids`, that still have a row: what the orphan sweep needs to tell an object
 * some job owns from one no job will ever read. One query per listed page of keys.
 */
export function findObjectOwners(db: Db, ids: readonly string[]): Promise<ObjectOwner[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom("jobs")
    .select(["id", "tenant_id", "status", "uploaded_at"])
    .where("id", "in", [...ids])
    .execute();
}
