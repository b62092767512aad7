/** Why the upload service refused a request; the api layer maps each code to an HTTP status. */
export type UploadErrorCode =
  | "file_too_large"
  | "idempotency_key_reused"
  | "invalid_part_number"
  | "invalid_parts"
  | "not_multipart"
  | "priority_too_high"
  | "upload_not_awaiting";

/** A refusal by the upload service, with a stable code and details for the caller. */
export class UploadError extends Error {
  override name = "UploadError";

  constructor(
    readonly code: UploadErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
