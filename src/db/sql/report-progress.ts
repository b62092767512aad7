import { sql } from "kysely";
import type { Db } from "../database.js";
import type { Fence } from "../fence.js";
import { prepared } from "../prepared.js";
import { safeJson } from "../safe-values.js";
import { eventsWithNotify } from "./job-events.js";
import { fenceHolds } from "./lock-fenced.js";

/**
 * Records progress (fenced) and publishes it as a `progress` event; false when the lease was
 * lost, and then nothing is written.
 *
 * One statement, committed on its own: the fenced UPDATE is both the fence and the row lock,
 * and the event (with its NOTIFY) is drawn from the row it returns, so it is written only if the
 * UPDATE was, and after the lock (a job's event ids stay in commit order, as in `endStages`).
 * It replaced a transaction of five round trips (BEGIN, SELECT … FOR UPDATE, UPDATE, the
 * event, COMMIT) taken for every report.
 */
export async function reportProgress(
  db: Db,
  fence: Fence,
  progress: Record<string, unknown>,
): Promise<boolean> {
  const { rows } = await reportProgressStatement(fence, progress).execute(db);
  return rows.length > 0;
}

/** The statement of `reportProgress` (snapshotted in sql-snapshots.test.ts). */
export function reportProgressStatement(fence: Fence, progress: Record<string, unknown>) {
  const value = JSON.stringify(safeJson(progress));
  return prepared(sql<{ id: string }>`
    WITH reported AS (
      UPDATE jobs SET progress = ${value}::jsonb, updated_at = now()
      WHERE ${fenceHolds(fence)}
      RETURNING id, tenant_id, stage
    ), ${eventsWithNotify(
      sql`SELECT id, tenant_id, 'progress', jsonb_build_object('stage', stage) || ${value}::jsonb FROM reported`,
      ["progress"],
    )}
    SELECT reported.id FROM reported, notified`);
}
