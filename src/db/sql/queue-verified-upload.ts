import { sql } from "kysely";
import type { Db } from "../database.js";
import { EDGES } from "../job-states.js";
import { prepared } from "../prepared.js";
import { queueNoticePrefix } from "../queue-notice.js";
import type { JobRow } from "../schema.js";
import { eventsWithNotify, QUEUE_CHANNEL } from "./job-events.js";
import { type VerificationLock, verificationLockKey } from "./verification-lock.js";

/**
 * Moves an awaiting upload whose object was verified to `queued`, with its `uploaded` event and
 * the NOTIFY that wakes workers, in one statement (so one implicit transaction and one round
 * trip). Null when another transition (a concurrent completion, a cancel) committed first: the
 * status guard then matches no row.
 *
 * The event is written from the UPDATE's RETURNING, so under the row lock the UPDATE took. It is
 * in the same statement as the UPDATE, which the webhook outbox would not see (it reads the job
 * from the statement's snapshot); no webhook is sent for `uploaded` (test/queued-in-one-statement
 * checks), and eventsWithNotify leaves the outbox out for it.
 *
 * With `lock` (the caller holds the job's verification lock on `db`), the statement also hands
 * the lock off: it takes the transaction-scoped lock on the same key, then releases the session
 * one. The transaction's hold ends only after the commit is visible, so no other completion can
 * take the lock and still see the job awaiting, and the unlock costs no round trip of its own.
 */
export async function queueVerifiedUpload(
  db: Db,
  job: Pick<JobRow, "id">,
  verified: { etag: string | null | undefined; contentSha256: string | null | undefined },
  source: string,
  lock?: VerificationLock,
): Promise<JobRow | null> {
  const from = EDGES.upload_verified.from;
  const queued = sql`queued AS (
      UPDATE jobs SET status = 'queued', stage = 'parse', uploaded_at = now(), run_after = now(),
        object_etag = ${verified.etag ?? null}::text,
        content_sha256 = coalesce(${verified.contentSha256 ?? null}::text, jobs.sha256),
        updated_at = now()
      WHERE jobs.id = ${job.id}::uuid AND jobs.status = ANY(${sql.val([...from])}::text[])
      RETURNING jobs.*
    ), ${eventsWithNotify(
      sql`SELECT id, tenant_id, 'uploaded', jsonb_build_object('status', 'queued', 'stage', 'parse',
          'source', ${source}::text, 'size', size) FROM queued`,
      ["uploaded"],
    )}, woken AS (
      SELECT count(pg_notify(${QUEUE_CHANNEL}, ${queueNoticePrefix("parse")} || id::text)) AS n FROM queued
    )`;
  if (!lock) {
    const { rows } = await prepared(sql<JobRow>`
      WITH ${queued}
      SELECT queued.* FROM queued, notified, woken`).execute(db);
    return rows[0] ?? null;
  }
  // `released` reads `held`, so the transaction's lock is taken before the session's is let go;
  // the LEFT JOIN keeps the one row (and so the unlock) when the guard matched nothing.
  const key = verificationLockKey(job.id);
  const { rows } = await prepared(sql<Partial<JobRow> & { verification_released: boolean }>`
    WITH held AS MATERIALIZED (
      SELECT pg_advisory_xact_lock(${key}) AS held
    ), released AS MATERIALIZED (
      SELECT pg_advisory_unlock(${key}) AS verification_released FROM held
    ), ${queued}
    SELECT released.verification_released, q.*
    FROM released LEFT JOIN (SELECT queued.* FROM queued, notified, woken) AS q ON true`).execute(db);
  const { verification_released, ...row } = rows[0] ?? { verification_released: false };
  if (verification_released) lock.released = true;
  return row.id ? (row as JobRow) : null;
}
