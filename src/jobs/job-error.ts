/** Why a request about a job's outputs was refused; the api layer maps each code to a status. */
export type JobErrorCode =
  | "document_not_ready"
  | "file_not_uploaded"
  // Reprocess: only a completed or failed job; from a stage whose inputs exist; known settings.
  | "job_not_finished"
  | "outputs_missing"
  | "outputs_shared"
  | "unsupported_setting";

export class JobError extends Error {
  override name = "JobError";

  constructor(
    readonly code: JobErrorCode,
    message: string,
  ) {
    super(message);
  }
}
