import { IntakeError } from "./errors.js";
import { apiRequest, withRetry } from "./http.js";
import { sendMultipart, type UploadedPart } from "./multipart.js";
import { sendToStorage } from "./send.js";
import { fromBlob, fromBytes, guessContentType, type UploadSource } from "./source.js";
import type { CreatedUpload, Job, UploadOptions } from "./types.js";
import { getJob, watchJob } from "./watch.js";

export type BrowserSource = Blob | Uint8Array | UploadSource;

export interface UploadResult {
  /** The job after completion, or its final state when `watch` was set. */
  job: Job;
}

export function toUploadSource(source: BrowserSource, name?: string): UploadSource {
  if (source instanceof Blob) return fromBlob(source, name);
  if (source instanceof Uint8Array) return fromBytes(source, name);
  return source;
}

/**
 * Uploads one file to intake: creates the upload (declaring its sha256 when feasible), sends
 * it the way the server chose (signed PUT, form POST, or multipart with parallel, retried
 * parts), completes it, and with `watch` follows the job to its end.
 *
 * Safe to call again after an interruption with the same `idempotencyKey` (or `resumeJobId`):
 * the server returns the same job and parts already in storage are skipped.
 *
 * @throws IntakeError with the server's problem code (`file_too_large`, `checksum_mismatch`, …),
 *   `storage_error`, `network_error`, or `job_failed` when a watched job does not complete.
 * @example const { job } = await upload(file, { url: "http://localhost:8080", apiKey, watch: true });
 */
export async function upload(input: BrowserSource, opts: UploadOptions): Promise<UploadResult> {
  const source = toUploadSource(input, opts.filename);
  const retry = { attempts: opts.attempts ?? 4, baseMs: opts.retryBaseMs ?? 250, signal: opts.signal };
  const created = opts.resumeJobId
    ? ({ ...(await getJob(opts, opts.resumeJobId, opts.signal)), upload: null } as CreatedUpload)
    : await create(source, opts, retry);
  opts.onCreated?.(created);
  const onBytes = (sent: number) => opts.onBytes?.({ sent, total: source.size });

  let job: Job = created;
  if (created.status === "awaiting_upload") {
    const parts = await send(source, created, opts, retry, onBytes);
    job = await withRetry(
      () =>
        apiRequest<Job>(opts, "POST", `/v1/uploads/${created.id}/complete`, parts ? { parts } : {}, {
          signal: opts.signal,
        }),
      retry,
    );
  } else {
    onBytes(source.size); // a replayed key whose upload already completed: nothing to send
  }
  if (!opts.watch) return { job };
  const final = await watchJob(opts, job.id, typeof opts.watch === "object" ? opts.watch : {});
  if (final.status !== "completed") {
    const reason = final.error ? `${final.error.code}: ${final.error.message ?? ""}` : final.status;
    throw new IntakeError("job_failed", 0, `job ${final.id} ${final.status} (${reason})`, { job: final });
  }
  return { job: final };
}

async function create(
  source: UploadSource,
  opts: UploadOptions,
  retry: { attempts: number; baseMs: number; signal?: AbortSignal },
): Promise<CreatedUpload> {
  const sha256 = opts.sha256 === false ? null : (opts.sha256 ?? (await source.sha256()));
  // A key on every create makes a retried POST (lost answer) return the same job, not a second one.
  const idempotencyKey = opts.idempotencyKey ?? randomKey();
  const body = {
    filename: source.name,
    contentType: opts.contentType ?? (source.type || guessContentType(source.name)),
    size: source.size,
    idempotencyKey,
    ...(sha256 ? { sha256 } : {}),
    ...(opts.method ? { method: opts.method } : {}),
    ...(opts.metadata ? { metadata: opts.metadata } : {}),
  };
  return withRetry(
    () => apiRequest<CreatedUpload>(opts, "POST", "/v1/uploads", body, { signal: opts.signal }),
    retry,
  );
}

async function send(
  source: UploadSource,
  job: CreatedUpload,
  opts: UploadOptions,
  retry: { attempts: number; baseMs: number; signal?: AbortSignal },
  onBytes: (sent: number) => void,
): Promise<UploadedPart[] | null> {
  const instructions = job.upload;
  if (!instructions || instructions.method === "multipart") {
    return sendMultipart({
      client: opts,
      jobId: job.id,
      source,
      instructions: instructions ?? undefined,
      concurrency: opts.concurrency ?? 4,
      attempts: retry.attempts,
      retryBaseMs: retry.baseMs,
      onBytes,
      signal: opts.signal,
    });
  }
  const bytes = await source.slice(0, source.size);
  let body: Blob | Uint8Array<ArrayBuffer> | FormData = bytes;
  if (instructions.method === "POST") {
    const form = new FormData();
    for (const [k, v] of Object.entries(instructions.fields)) form.append(k, v);
    form.append("file", bytes instanceof Blob ? bytes : new Blob([bytes]), source.name);
    body = form;
  }
  await withRetry(
    () =>
      sendToStorage({
        method: instructions.method,
        url: instructions.url,
        headers: instructions.method === "PUT" ? instructions.headers : undefined,
        body,
        size: source.size,
        fetch: opts.fetch,
        signal: opts.signal,
        onProgress: onBytes,
      }),
    retry,
  );
  return null;
}

/** crypto.randomUUID exists only in secure contexts; getRandomValues everywhere. */
function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
