/** Job statuses as the server reports them; the last four are terminal. */
export type JobStatus =
  | "awaiting_upload"
  | "queued"
  | "running"
  | "completed"
  | "failed"
  | "expired"
  | "cancelled"
  // Only ever seen in a `job.deleted` webhook: a deleted job otherwise reads as not found.
  | "deleted";

export const TERMINAL: readonly JobStatus[] = ["completed", "failed", "expired", "cancelled"];

/** The public job shape of `GET /v1/jobs/{id}` (fields the SDK relies on; the rest pass through). */
export interface Job {
  id: string;
  status: JobStatus;
  stage: "parse" | "chunk" | "embed";
  filename: string;
  contentType: string;
  size: number;
  sha256: string | null;
  attempt: number;
  progress: unknown;
  /** A completed job that may have lost text says so: `no_text_layer` (OCR off or missing). */
  warnings: string[];
  error: { code: string; message: string | null; stage: string | null; retryable: boolean | null } | null;
  maxAttempts?: number;
  /** A queued job is not claimed before this (a backoff after a failure, a release). */
  runAfter?: string | null;
  [field: string]: unknown;
}

export type UploadInstructions =
  | { method: "PUT"; url: string; headers: Record<string, string>; expiresAt: string }
  | { method: "POST"; url: string; fields: Record<string, string>; expiresAt: string }
  | {
      method: "multipart";
      uploadId: string;
      partSize: number;
      partCount: number;
      parts: { partNumber: number; url: string; size: number }[];
      expiresAt: string;
    };

export type CreatedUpload = Job & { upload: UploadInstructions | null };

/**
 * One step of a job's life: an event row streamed over SSE (`id` is its event id), or, when
 * only status polling is available, a change of status or stage observed (`id` 0, type `status`).
 */
export interface JobEvent {
  id: number;
  type: string;
  data: Record<string, unknown>;
  job?: Job;
}

export interface ByteProgress {
  sent: number;
  total: number;
}

/** What the SDK needs to reach intake. `fetch` is injectable (tests, proxies, instrumentation). */
export interface ClientOptions {
  /** Base URL of the intake API, e.g. `http://localhost:8080`. */
  url: string;
  apiKey: string;
  fetch?: typeof fetch;
}

export interface WatchOptions {
  onEvent?: (event: JobEvent) => void;
  signal?: AbortSignal;
  /** Status-polling interval when neither SSE nor the events fallback is served (default 1000 ms). */
  pollIntervalMs?: number;
}

export interface UploadOptions extends ClientOptions {
  filename?: string;
  contentType?: string;
  /** Lowercase hex sha256; computed by the SDK when feasible unless `false`. */
  sha256?: string | false;
  idempotencyKey?: string;
  metadata?: Record<string, unknown>;
  /** Form POST instead of PUT for single-request uploads (browsers without custom headers). */
  method?: "PUT" | "POST";
  /** Parts sent at once for a multipart upload (default 4). */
  concurrency?: number;
  /** Attempts per request to storage, with exponential backoff (default 4). */
  attempts?: number;
  /** First backoff delay in ms; doubled each attempt with full jitter (default 250). */
  retryBaseMs?: number;
  /** Resume this job's interrupted multipart upload instead of creating a new one. */
  resumeJobId?: string;
  onBytes?: (progress: ByteProgress) => void;
  /** Called once the job exists, before any byte is sent (keep the id to resume later). */
  onCreated?: (job: CreatedUpload) => void;
  /** Watch the job after completing the upload until it ends; `upload` then resolves with the final job. */
  watch?: boolean | WatchOptions;
  signal?: AbortSignal;
}
