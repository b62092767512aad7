import { sql } from "kysely";
import type { Db } from "../database.js";
import type { JobStage, JobStatus } from "../job-states.js";
import type { JobRow } from "../schema.js";

export interface JobPage {
  jobs: JobRow[];
  nextCursor: string | null;
}

/** Newest first, keyset-paginated on (created_at, id) so pages stay stable while jobs are added. */
export async function listJobs(
  db: Db,
  tenantId: string,
  opts: {
    status?: JobStatus;
    stage?: JobStage;
    errorCode?: string;
    cursor?: { createdAt: string; id: string };
    limit: number;
  },
): Promise<JobPage> {
  // Deleted jobs are tombstones: absent to the tenant, like a GET of one.
  let q = db
    .selectFrom("jobs")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("status", "<>", "deleted");
  if (opts.status) q = q.where("status", "=", opts.status);
  if (opts.stage) q = q.where("stage", "=", opts.stage);
  if (opts.errorCode) q = q.where("error_code", "=", opts.errorCode);
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
