import { sql } from "kysely";
import type { Db } from "../database.js";
import type { JobRow } from "../schema.js";
import { insertJobEvents } from "./job-events.js";

/**
 * Retention: makes up to `limit` finished jobs older than `days` tombstones, each with its
 * `deleted` event, in one transaction. SKIP LOCKED lets passes in many processes split the
 * work. The events follow the UPDATE in a second statement so the webhook outbox reads the
 * rows as `deleted` (see `webhookOutbox`). The data goes afterwards, in `purgeDeletedJob`.
 */
export async function deleteExpiredJobs(db: Db, opts: { days: number; limit: number }): Promise<JobRow[]> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await deleteExpiredJobsStatement(opts).execute(trx);
    await insertJobEvents(
      trx,
      rows.map((r) => ({
        jobId: r.id,
        tenantId: r.tenant_id,
        type: "deleted",
        data: { status: "deleted", reason: `retention: finished more than ${opts.days} days ago` },
      })),
    );
    return rows;
  });
}

export function deleteExpiredJobsStatement(opts: { days: number; limit: number }) {
  return sql<JobRow>`
    UPDATE jobs SET status = 'deleted', deleted_at = now(), purged_at = NULL, updated_at = now()
    WHERE id IN (
      SELECT id FROM jobs
      WHERE status IN ('completed', 'failed', 'expired', 'cancelled')
        AND finished_at < now() - make_interval(days => ${opts.days})
      ORDER BY finished_at
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING *`;
}
