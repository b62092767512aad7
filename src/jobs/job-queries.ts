import { sql } from "kysely";
import type { Db } from "../db/database.js";
import type { JobRow } from "../db/schema.js";
import type { JobStatus } from "./state-machine.js";

/** A tenant's job; another tenant's id reads as absent. */
export function findJob(db: Db, tenantId: string, id: string): Promise<JobRow | undefined> {
  return db
    .selectFrom("jobs")
    .selectAll()
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
}

export function findJobById(db: Db, id: string): Promise<JobRow | undefined> {
  return db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findJobByObjectKey(db: Db, key: string): Promise<JobRow | undefined> {
  return db.selectFrom("jobs").selectAll().where("object_key", "=", key).executeTakeFirst();
}

export interface JobPage {
  jobs: JobRow[];
  nextCursor: string | null;
}

/** Newest first, keyset-paginated on (created_at, id) so pages stay stable while jobs are added. */
export async function listJobs(
  db: Db,
  tenantId: string,
  opts: { status?: JobStatus; cursor?: { createdAt: string; id: string }; limit: number },
): Promise<JobPage> {
  let q = db.selectFrom("jobs").selectAll().where("tenant_id", "=", tenantId);
  if (opts.status) q = q.where("status", "=", opts.status);
  if (opts.cursor) {
    const { createdAt, id } = opts.cursor;
    q = q.where(sql<boolean>`(created_at, id) < (${createdAt}::timestamptz, ${id}::uuid)`);
  }
  const rows = await q
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(opts.limit + 1)
    .execute();
  const jobs = rows.slice(0, opts.limit);
  const last = jobs.at(-1);
  return {
    jobs,
    nextCursor:
      rows.length > opts.limit && last
        ? Buffer.from(JSON.stringify({ createdAt: last.created_at.toISOString(), id: last.id })).toString(
            "base64url",
          )
        : null,
  };
}

export interface OutputCounts {
  documents: number;
  chunks: number;
  embeddings: number;
}

export async function countOutputs(db: Db, jobId: string): Promise<OutputCounts> {
  const row = await sql<{ documents: number; chunks: number; embeddings: number }>`
    SELECT (SELECT count(*)::int FROM documents WHERE job_id = ${jobId}) AS documents,
           (SELECT count(*)::int FROM chunks WHERE job_id = ${jobId}) AS chunks,
           (SELECT count(*)::int FROM embeddings WHERE job_id = ${jobId}) AS embeddings`.execute(db);
  return row.rows[0]!;
}
