import type { Db } from "../database.js";
import type { JobEventRow } from "../schema.js";

/**
 * A job's events with `id > afterId`, oldest first, at most `limit`. Served by the primary
 * key `job_events_pkey (job_id, id)`, so a stream that re-reads after every NOTIFY costs one
 * short index range scan.
 *
 * Ordering: readers advance a cursor over these ids, which is only safe if a smaller id
 * never commits after a larger one of the same job. Every state change locks the job row
 * (UPDATE or SELECT … FOR UPDATE) before its INSERT draws the id and holds the lock until
 * commit, so one job's ids are drawn and committed in the same order. See the SSE section of
 * the README for the one path that does not (a rejected upload's event).
 */
export function readJobEventsAfter(
  db: Db,
  jobId: string,
  afterId: bigint,
  limit: number,
): Promise<JobEventRow[]> {
  return db
    .selectFrom("job_events")
    .selectAll()
    .where("job_id", "=", jobId)
    .where("id", ">", afterId.toString() as never)
    .orderBy("id")
    .limit(limit)
    .execute();
}
