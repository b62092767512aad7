import { sql } from "kysely";
import type { Db } from "../database.js";

/** Extends the leases a worker still holds; returns the ids it no longer holds. */
export async function extendLeases(
  db: Db,
  workerId: string,
  held: { id: string; attempt: number }[],
  leaseSeconds: number,
): Promise<string[]> {
  if (held.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => ${leaseSeconds})
    FROM unnest(${sql.val(held.map((h) => h.id))}::uuid[], ${sql.val(held.map((h) => h.attempt))}::int[]) AS h(id, attempt)
    WHERE j.id = h.id AND j.attempt = h.attempt AND j.lease_owner = ${workerId} AND j.status = 'running'
    RETURNING j.id`.execute(db);
  const kept = new Set(rows.map((r) => r.id));
  return held.filter((h) => !kept.has(h.id)).map((h) => h.id);
}
