import { sql } from "kysely";
import type { Db } from "../database.js";

/**
 * Removes workers that are dead and expires the leases they held, so the reaper's next
 * statement (`releaseExpiredLeases`) returns those jobs now rather than when their leases would
 * have run out. Dead: the Postgres backend of the worker's LISTEN connection is gone (the
 * process died and its socket closed, or Postgres restarted), or its heartbeat is older than
 * `staleSeconds` (the process hangs). Safe even when the judgement is wrong: every write of the
 * "dead" worker is fenced on its lease, so it changes nothing once the job is taken over.
 * Returns the ids of the workers found dead.
 */
export async function expireDeadWorkersLeases(db: Db, staleSeconds: number): Promise<string[]> {
  const { rows } = await expireDeadWorkersLeasesStatement(staleSeconds).execute(db);
  return rows.map((r) => r.id);
}

export function expireDeadWorkersLeasesStatement(staleSeconds: number) {
  return sql<{ id: string }>`
    WITH dead AS (
      DELETE FROM workers w
      WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = w.backend_pid)
         OR w.heartbeat_at < now() - make_interval(secs => ${staleSeconds})
      RETURNING w.id
    ), expired AS (
      UPDATE jobs SET lease_expires_at = now() - interval '1 microsecond'
      WHERE status = 'running' AND lease_owner IN (SELECT id FROM dead)
      RETURNING id
    )
    SELECT dead.id FROM dead, (SELECT count(*) FROM expired) AS e`;
}
