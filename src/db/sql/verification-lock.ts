import { sql } from "kysely";
import type { Db } from "../database.js";

/**
 * Runs `fn` holding the job's verification lock (a session advisory lock keyed on the job id,
 * on one connection of the pool kept for the duration), or returns `{ locked: false }` at once
 * when another completion, in any process, holds it. A session lock rather than a transaction's:
 * hashing a 5 GiB POST upload takes about a minute, and a transaction left idle that long would
 * hold back vacuum and trip idle-in-transaction timeouts. Postgres drops the lock if the
 * connection dies, so a crashed verifier never wedges a job. `fn` gets the lock's connection
 * and must send its statements through it: holding one pool connection while waiting for a
 * second would deadlock a pool whose every connection holds a lock.
 */
export async function withVerificationLock<T>(
  db: Db,
  jobId: string,
  fn: (conn: Db) => Promise<T>,
): Promise<{ locked: true; value: T } | { locked: false }> {
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_lock(hashtextextended('intake:verify:' || ${jobId}, 0)) AS locked
    `.execute(conn);
    if (rows[0]?.locked !== true) return { locked: false };
    try {
      return { locked: true, value: await fn(conn) };
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtextextended('intake:verify:' || ${jobId}, 0))`.execute(conn);
    }
  });
}
