import type { Db } from "../database.js";

/** Whether a job that is not deleted reads its outputs from `jobId` (dedup's reference count). */
export async function hasLiveReusers(db: Db, jobId: string): Promise<boolean> {
  const row = await db
    .selectFrom("jobs")
    .select("id")
    .where("reused_from", "=", jobId)
    .where("status", "<>", "deleted")
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
