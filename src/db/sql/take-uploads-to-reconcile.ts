import { sql } from "kysely";
import type { Db } from "../database.js";
import type { JobRow } from "../schema.js";

/**
 * Takes up to `limit` awaiting uploads that are due for a look and pushes their next look
 * `recheckSeconds` ahead in the same statement. SKIP LOCKED plus the pushed timestamp means
 * reconcilers in any number of processes split the work instead of repeating it.
 */
export async function takeUploadsToReconcile(
  db: Db,
  opts: { olderThanSeconds: number; recheckSeconds: number; limit: number },
): Promise<JobRow[]> {
  const { rows } = await takeUploadsToReconcileStatement(opts).execute(db);
  return rows;
}

export function takeUploadsToReconcileStatement(opts: {
  olderThanSeconds: number;
  recheckSeconds: number;
  limit: number;
}) {
  return sql<JobRow>`
    UPDATE jobs SET next_reconcile_at = now() + make_interval(secs => ${opts.recheckSeconds})
    WHERE id IN (
      SELECT id FROM jobs
      WHERE status = 'awaiting_upload' AND next_reconcile_at <= now()
        AND (created_at <= now() - make_interval(secs => ${opts.olderThanSeconds}) OR upload_expires_at <= now())
      ORDER BY next_reconcile_at
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING *`;
}
