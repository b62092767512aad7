import { IntakeError, type Job } from "../client/index.js";

/** What a person should read for each problem or job error code; the detail is appended. */
const MESSAGES: Record<string, string> = {
  unauthorized: "The API key was not accepted. Check the key above and try again.",
  file_too_large: "This file is larger than the server accepts.",
  checksum_mismatch: "The file changed or was damaged on the way. Please upload it again.",
  size_mismatch: "The uploaded file had a different size than expected. Please upload it again.",
  content_type_mismatch: "The storage service recorded a different file type. Please upload it again.",
  network_error: "Could not reach the server. Check your connection and try again.",
  storage_error: "The storage service refused the file. Please try again in a moment.",
  corrupt_file: "The file looks damaged, or is not really the type its name says.",
  encrypted_file: "The file is password-protected. Remove the password and upload it again.",
  unsupported_type:
    "This kind of file cannot be read. Try PDF, Word (DOCX, DOC), Excel (XLSX, XLS), PowerPoint (PPTX, PPT), OpenDocument, EPUB, e-mail (EML, MSG), RTF, HTML, Markdown, text, CSV or JSON.",
  too_large: "The file is too large to process.",
  decompression_limit: "The file expands to far more data than allowed, so it was not processed.",
  embedding_provider_error: "The embedding service failed. The job can be retried later.",
  expired: "The upload was not finished in time. Please add the file again.",
  cancelled: "The upload was cancelled.",
};

export function explainError(err: unknown): string {
  if (!(err instanceof IntakeError)) return `Something went wrong: ${(err as Error).message}`;
  const job = err.extra.job as Job | undefined;
  const code = job?.error?.code ?? (job ? job.status : err.code);
  const known = MESSAGES[code];
  const detail = job?.error?.message ?? err.detail;
  return known ? `${known} (${detail})` : `The upload failed: ${detail}`;
}
