import type { Db } from "../database.js";

export function readChunksAfter(db: Db, jobId: string, afterSeq: number, limit: number) {
  return db
    .selectFrom("chunks")
    .select(["id", "seq", "text"])
    .where("job_id", "=", jobId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
}
