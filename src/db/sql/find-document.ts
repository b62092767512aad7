import type { Db } from "../database.js";

export function findDocument(db: Db, jobId: string) {
  return db.selectFrom("documents").selectAll().where("job_id", "=", jobId).executeTakeFirst();
}
