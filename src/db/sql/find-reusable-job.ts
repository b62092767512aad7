import type { Db } from "../database.js";
import type { JobRow } from "../schema.js";

/** A completed job of the same tenant, content and pipeline settings whose own outputs can be reused. */
export function findReusableJob(
  db: Db,
  job: Pick<JobRow, "id" | "tenant_id" | "content_sha256" | "pipeline_key">,
) {
  if (!job.content_sha256) return Promise.resolve(undefined);
  return (
    db
      .selectFrom("jobs")
      .select(["id"])
      .where("tenant_id", "=", job.tenant_id)
      .where("content_sha256", "=", job.content_sha256)
      .where("pipeline_key", "=", job.pipeline_key)
      .where("status", "=", "completed")
      // Only a job with outputs of its own: a reuser's outputs are someone else's (one hop).
      .where("reused_from", "is", null)
      .where("id", "!=", job.id)
      .orderBy("finished_at")
      .limit(1)
      .executeTakeFirst()
  );
}
