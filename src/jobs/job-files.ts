import type { Db } from "../db/database.js";
import type { JobRow } from "../db/schema.js";
import { findDocument } from "../db/sql/find-document.js";
import type { ObjectStore } from "../storage/object-store.js";
import { JobError } from "./job-error.js";

export interface JobFilesDeps {
  db: Db;
  store: ObjectStore;
}

export interface DerivedDocument {
  body: AsyncIterable<Uint8Array>;
  contentType: string;
  /** What a download saves it as: the upload's name with `.md` or `.txt`. */
  filename: string;
}

/** How long a link to an original upload works: long enough to start a download, no longer. */
export const FILE_URL_TTL_SECONDS = 300;

/**
 * The job's derived text as the parse stage wrote it: Markdown for structured formats, plain
 * text for plain ones. A job that reused another's outputs serves that job's document.
 */
export async function openDocument(deps: JobFilesDeps, job: JobRow): Promise<DerivedDocument> {
  const doc = await findDocument(deps.db, job.reused_from ?? job.id);
  if (!doc) {
    throw new JobError(
      "document_not_ready",
      `the job is ${job.status}; its document exists once it is parsed`,
    );
  }
  const markdown = doc.text_format === "markdown";
  return {
    body: await deps.store.open(doc.text_key),
    contentType: markdown ? "text/markdown; charset=utf-8" : "text/plain; charset=utf-8",
    filename: `${job.filename.replace(/\.[^./\\]*$/, "") || "document"}.${markdown ? "md" : "txt"}`,
  };
}

/** A short-lived presigned GET of the original upload, once it has been verified. */
export async function originalFileUrl(deps: JobFilesDeps, job: JobRow): Promise<string> {
  if (!job.uploaded_at) {
    throw new JobError("file_not_uploaded", `the job is ${job.status}; its file was never completed`);
  }
  return deps.store.presignGet(job.object_key, FILE_URL_TTL_SECONDS, {
    filename: job.filename,
    contentType: job.content_type,
  });
}
