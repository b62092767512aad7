import { type RawBuilder, sql } from "kysely";
import type { Db } from "../database.js";
import { prepared } from "../prepared.js";
import type { JobRow } from "../schema.js";

/**
 * The advisory lock key of a job's verification. Every statement that takes, hands off or
 * releases the lock builds it here, so they cannot disagree (nor differ from older instances).
 */
export function verificationLockKey(jobId: string): RawBuilder<bigint> {
  return sql<bigint>`hashtextextended('intake:verify:' || ${jobId}::text, 0)`;
}

/** The job as read when the lock was taken; `released` is set by a statement that released it. */
export interface VerificationLock {
  /** The lock's connection: every statement of the holder goes through it. */
  conn: Db;
  /**
   * The row, read in the statement that took the lock. That statement's snapshot is taken just
   * before the lock, so a holder that committed and released in between is not seen: fine for a
   * HEAD (the status-guarded UPDATE decides), but expensive work re-reads first (see
   * complete-upload's `beforeHash`).
   */
  job: JobRow;
  /** Set by a statement that released the lock itself (queueVerifiedUpload's handoff). */
  released: boolean;
}

/**
 * Runs `fn` holding the job's verification lock (a session advisory lock keyed on the job id,
 * on one connection of the pool kept for the duration), or returns `{ locked: false }` at once
 * with the job as it is now when it no longer awaits its upload (no lock taken) or another
 * completion, in any process, holds the lock. A session lock rather than a transaction's:
 * hashing a 5 GiB POST upload takes about a minute, and a transaction left idle that long would
 * hold back vacuum and trip idle-in-transaction timeouts. Postgres drops the lock if the
 * connection dies, so a crashed verifier never wedges a job. `fn` must send its statements
 * through `lock.conn`: holding one pool connection while waiting for a second would deadlock a
 * pool whose every connection holds a lock.
 *
 * The read and the lock are one statement (one round trip). The CASE only tries the lock for a
 * job still awaiting its upload, so a settled job costs no unlock.
 */
export async function withVerificationLock<T>(
  db: Db,
  jobId: string,
  fn: (lock: VerificationLock) => Promise<T>,
): Promise<{ locked: true; value: T } | { locked: false; job: JobRow | undefined }> {
  return db.connection().execute(async (conn) => {
    const { rows } = await prepared(sql<JobRow & { verification_locked: boolean | null }>`
      SELECT CASE WHEN jobs.status = 'awaiting_upload'
               THEN pg_try_advisory_lock(${verificationLockKey(jobId)}) END AS verification_locked,
             jobs.*
      FROM jobs WHERE jobs.id = ${jobId}::uuid`).execute(conn);
    const found = rows[0];
    if (!found) return { locked: false, job: undefined };
    const { verification_locked: locked, ...job } = found;
    if (locked !== true) return { locked: false, job: job as JobRow };
    const lock: VerificationLock = { conn, job: job as JobRow, released: false };
    try {
      return { locked: true, value: await fn(lock) };
    } finally {
      if (!lock.released) await releaseVerificationLock(conn, jobId);
    }
  });
}

/** Releases the session lock taken by withVerificationLock, on its connection. */
export async function releaseVerificationLock(conn: Db, jobId: string): Promise<void> {
  await prepared(sql`SELECT pg_advisory_unlock(${verificationLockKey(jobId)})`).execute(conn);
}
