import type { Db } from "../database.js";
import type { JobRow } from "../schema.js";

/** The job that owns an object key (storage events name objects, not jobs). */
export function findJobByObjectKey(db: Db, key: string): Promise<JobRow | undefined> {
  return db.selectFrom("jobs").selectAll().where("object_key", "=", key).executeTakeFirst();
}
