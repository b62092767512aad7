import type { JobRow } from "../db/schema.js";
import type { OutputCounts } from "../db/sql/count-outputs.js";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The public shape of a job. Internal columns (lease owner, object key) stay internal. */
export function jobDto(job: JobRow, outputs?: OutputCounts) {
  return {
    id: job.id,
    status: job.status,
    stage: job.stage,
    filename: job.filename,
    contentType: job.content_type,
    size: Number(job.size),
    sha256: job.sha256,
    metadata: job.metadata,
    attempt: job.attempt,
    maxAttempts: job.max_attempts,
    progress: job.progress,
    warnings: job.warnings,
    error: job.error_code
      ? {
          code: job.error_code,
          message: job.error_message,
          stage: job.error_stage,
          retryable: job.error_retryable,
        }
      : null,
    reusedFrom: job.reused_from,
    // Pipeline settings of this job that override the server's (set by a reprocess).
    settings: job.settings ?? null,
    ...(outputs ? { outputs } : {}),
    createdAt: iso(job.created_at),
    uploadedAt: iso(job.uploaded_at),
    startedAt: iso(job.started_at),
    finishedAt: iso(job.finished_at),
    updatedAt: iso(job.updated_at),
    uploadExpiresAt: iso(job.upload_expires_at),
    runAfter: iso(job.run_after),
  };
}
