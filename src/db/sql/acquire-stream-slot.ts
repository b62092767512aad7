import { sql } from "kysely";
import type { Db } from "../database.js";

/**
 * Takes a free slot among the tenant's `limit` SSE slots for one stream, or returns null when
 * none was free to this statement. A slot is free when no row holds it or its row expired (its
 * process stopped renewing). Two instances that pick the same free slot collide on the primary
 * key: the loser's ON CONFLICT finds a live row and changes nothing, so a tenant never holds
 * more than `limit` live slots. A random free slot keeps such collisions rare; the caller
 * retries while the count says a slot is free.
 */
export async function acquireStreamSlot(
  db: Db,
  slot: { tenantId: string; streamId: string; holder: string; limit: number; ttlSeconds: number },
): Promise<number | null> {
  const { rows } = await sql<{ slot: number }>`
    INSERT INTO sse_stream_slots AS s (tenant_id, slot, stream_id, holder, expires_at)
    SELECT ${slot.tenantId}, g, ${slot.streamId}::uuid, ${slot.holder}, now() + make_interval(secs => ${slot.ttlSeconds})
      FROM generate_series(1, ${slot.limit}::int) g
     WHERE NOT EXISTS (
       SELECT 1 FROM sse_stream_slots x
        WHERE x.tenant_id = ${slot.tenantId} AND x.slot = g AND x.expires_at > now())
     ORDER BY random() LIMIT 1
    ON CONFLICT (tenant_id, slot) DO UPDATE
      SET stream_id = EXCLUDED.stream_id, holder = EXCLUDED.holder,
          acquired_at = now(), expires_at = EXCLUDED.expires_at
      WHERE s.expires_at <= now()
    RETURNING slot`.execute(db);
  return rows[0]?.slot ?? null;
}
