import { sql } from "kysely";
import type { Db } from "../database.js";

export interface HeldLease {
  id: string;
  attempt: number;
}

/**
 * Extends the leases a worker still holds; returns the ids it no longer holds. A job listed twice
 * (a run being replaced and its replacement) keeps its lease if either attempt holds it.
 */
export async function extendLeases(
  db: Db,
  workerId: string,
  held: HeldLease[],
  leaseSeconds: number,
): Promise<string[]> {
  if (held.length === 0) return [];
  const { rows } = await extendLeasesStatement(workerId, held, leaseSeconds).execute(db);
  const kept = new Set(rows.map((r) => r.id));
  return held.filter((h) => !kept.has(h.id)).map((h) => h.id);
}

/**
 * The UPDATE of `extendLeases`. Like a batch of stage ends (see `endStagesStatement`), it finds
 * the jobs by primary key and looks each one's attempt up by id, with no join for the planner
 * to order from its estimate of running jobs, and no status qual: only a running job has an
 * owner (migration 0014's CHECK).
 */
export function extendLeasesStatement(workerId: string, held: HeldLease[], leaseSeconds: number) {
  const attempts: Record<string, number[]> = {};
  for (const h of held) attempts[h.id] = [...(attempts[h.id] ?? []), h.attempt];
  return sql<{ id: string }>`
    UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => ${leaseSeconds})
    WHERE j.id = ANY (${sql.val(held.map((h) => h.id))}::uuid[]) AND j.lease_owner = ${workerId}
      AND ${JSON.stringify(attempts)}::jsonb -> j.id::text @> to_jsonb(j.attempt)
    RETURNING j.id`;
}
