import { sql } from "kysely";
import type { Db } from "../database.js";
import type { JobRow } from "../schema.js";

/**
 * Deleted jobs whose data a purge pass should (still) remove, taken like the reconciler takes
 * uploads: SKIP LOCKED, and `updated_at` pushed ahead so another process skips them for
 * `recheckSeconds`. A job qualifies while it was never purged (a crash between the delete's
 * commit and its storage cleanup) or was last purged less than `graceSeconds` after its
 * deletion: a worker that lost its lease to the delete may still be finishing a write to
 * storage for up to a lease. A job whose outputs a live job reuses keeps them (reference
 * counting by `reused_from`) and is not taken until the last reuser is gone.
 */
export async function takeJobsToPurge(
  db: Db,
  opts: { graceSeconds: number; recheckSeconds: number; limit: number },
): Promise<JobRow[]> {
  const { rows } = await takeJobsToPurgeStatement(opts).execute(db);
  return rows;
}

export function takeJobsToPurgeStatement(opts: {
  graceSeconds: number;
  recheckSeconds: number;
  limit: number;
}) {
  return sql<JobRow>`
    UPDATE jobs SET updated_at = now()
    WHERE id IN (
      SELECT j.id FROM jobs j
      WHERE j.status = 'deleted'
        AND (j.purged_at IS NULL OR j.purged_at < j.deleted_at + make_interval(secs => ${opts.graceSeconds}))
        AND j.updated_at <= now() - make_interval(secs => ${opts.recheckSeconds})
        AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.reused_from = j.id AND r.status <> 'deleted')
      ORDER BY j.deleted_at
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING *`;
}
