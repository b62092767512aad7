import type { ColumnType, Generated, Insertable, Selectable } from "kysely";
import type { JobStage, JobStatus } from "./job-states.js";

/** A column Postgres fills in by default but callers may set. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** bigint columns come back from pg as strings; intake keeps sizes below 2^53 and converts at the edge. */
type BigIntColumn = ColumnType<string, number | bigint | string, number | bigint | string>;

export interface TenantsTable {
  id: string;
  created_at: Timestamp;
  /** Running jobs per stage this tenant may hold; null: the configured default (migration 0009). */
  max_running_per_stage: ColumnType<number | null, number | null | undefined, number | null>;
  /** The tenant's weight when tenants compete for workers (migration 0009). */
  claim_share: Defaulted<number>;
  /** The highest `priority` the tenant may set on an upload; null: the configured default. */
  max_priority: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface ApiKeysTable {
  id: Generated<string>;
  tenant_id: string;
  key_hash: string;
  key_prefix: string;
  label: string | null;
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
  /** Refreshed at most once a minute per key (migration 0008), not on every request. */
  last_used_at: NullableTimestamp;
}

export interface JobsTable {
  id: string;
  tenant_id: string;
  status: JobStatus;
  stage: JobStage;
  filename: string;
  content_type: string;
  size: BigIntColumn;
  sha256: string | null;
  object_key: string;
  upload_method: "PUT" | "POST" | "multipart";
  multipart_upload_id: string | null;
  upload_expires_at: Timestamp;
  next_reconcile_at: Timestamp;
  object_etag: string | null;
  idempotency_key: string | null;
  metadata: Defaulted<Record<string, unknown>>;
  attempt: Defaulted<number>;
  max_attempts: Defaulted<number>;
  /** Outage refunds so far (see releaseJob). */
  releases: Defaulted<number>;
  /** What a completed stage warns about (`no_text_layer`); see migration 0006. */
  warnings: Defaulted<string[]>;
  run_after: Timestamp;
  lease_owner: string | null;
  lease_expires_at: NullableTimestamp;
  priority: Defaulted<number>;
  progress: Defaulted<Record<string, unknown>>;
  error_code: string | null;
  error_message: string | null;
  error_stage: JobStage | null;
  error_retryable: boolean | null;
  content_sha256: string | null;
  pipeline_key: Defaulted<string>;
  reused_from: string | null;
  created_at: Timestamp;
  uploaded_at: NullableTimestamp;
  claimed_at: NullableTimestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: Timestamp;
  /** When DELETE (or retention) made this row a tombstone; see migration 0007. */
  deleted_at: NullableTimestamp;
  /** The last purge pass that removed a deleted job's data. */
  purged_at: NullableTimestamp;
  /** The generation of outputs the running/next stage writes (a reprocess adds one). */
  generation: Defaulted<number>;
  /** The generation readers see; the commit that completes the job sets it to `generation`. */
  output_generation: Defaulted<number>;
  /** Per-job pipeline settings that override the process's (set by reprocess). */
  settings: JobSettings | null;
  /** A complete set of outputs exists (the job completed once); readable during a reprocess. */
  outputs_published: Defaulted<boolean>;
}

/** Pipeline settings a job may carry (reprocess); absent fields use the process's config. */
export interface JobSettings {
  chunkSize?: number;
  chunkOverlap?: number;
  embedderModel?: string;
}

export interface JobEventsTable {
  id: ColumnType<string, never, never>;
  job_id: string;
  tenant_id: string;
  type: string;
  data: Defaulted<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface DocumentsTable {
  job_id: string;
  detected_type: string;
  text_key: string;
  text_format: Defaulted<"plain" | "markdown">;
  chars: BigIntColumn;
  page_count: number;
  pages: Defaulted<unknown[]>;
  sections: Defaulted<unknown[]>;
  metadata: Defaulted<Record<string, unknown>>;
  created_at: Timestamp;
  generation: Defaulted<number>;
}

export interface ChunksTable {
  id: ColumnType<string, never, never>;
  job_id: string;
  seq: number;
  text: string;
  start_offset: BigIntColumn;
  end_offset: BigIntColumn;
  /** The first page the chunk touches; `page_end` the last. */
  page: number | null;
  page_end: number | null;
  /** Markdown headings in effect where the chunk begins, outermost first. */
  heading_path: Defaulted<string[]>;
  token_count: number;
  generation: Defaulted<number>;
}

export interface EmbeddingsTable {
  chunk_id: BigIntColumn;
  job_id: string;
  model: string;
  dimensions: number;
  vector: number[];
}

export interface WebhookEndpointsTable {
  id: Generated<string>;
  tenant_id: string;
  url: string;
  description: string | null;
  /** null: every event type. */
  events: string[] | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: NullableTimestamp;
  failing_since: NullableTimestamp;
  disabled_at: NullableTimestamp;
  disabled_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed";

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  endpoint_id: string;
  tenant_id: string;
  event_id: BigIntColumn;
  job_id: string;
  type: string;
  /** The job row (to_jsonb) and its output counts when the event committed. */
  job: { row: Record<string, unknown>; outputs: { documents: number; chunks: number; embeddings: number } };
  occurred_at: Timestamp;
  status: Defaulted<WebhookDeliveryStatus>;
  attempt: Defaulted<number>;
  /** `attempt` when the current round of retries began (0, or when it was redelivered). */
  round_start: Defaulted<number>;
  next_attempt_at: Timestamp;
  lease_owner: string | null;
  lease_expires_at: NullableTimestamp;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookAttemptsTable {
  id: ColumnType<string, never, never>;
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  created_at: Timestamp;
}

export interface WorkersTable {
  id: string;
  backend_pid: number;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
}

/** Per-tenant overrides of the INTAKE_TENANT_* defaults; null: the default, 0: unlimited. */
export interface TenantLimitsTable {
  tenant_id: string;
  uploads_per_minute: number | null;
  max_bytes: ColumnType<string | null, number | string | null, number | string | null>;
  max_documents: number | null;
  max_streams: number | null;
  updated_at: Timestamp;
}

export interface TenantUploadBucketsTable {
  tenant_id: string;
  tokens: number;
  refilled_at: Timestamp;
  last_taken: Defaulted<boolean>;
}

/** Maintained by a trigger on jobs (migration 0010); never written by the application. */
export interface TenantUsageTable {
  tenant_id: string;
  bytes: BigIntColumn;
  documents: number;
}

export interface SseStreamSlotsTable {
  tenant_id: string;
  slot: number;
  stream_id: string;
  holder: string;
  acquired_at: Timestamp;
  expires_at: Timestamp;
}

export interface Database {
  workers: WorkersTable;
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  jobs: JobsTable;
  job_events: JobEventsTable;
  documents: DocumentsTable;
  chunks: ChunksTable;
  embeddings: EmbeddingsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  tenant_limits: TenantLimitsTable;
  tenant_upload_buckets: TenantUploadBucketsTable;
  tenant_usage: TenantUsageTable;
  sse_stream_slots: SseStreamSlotsTable;
}

export type JobRow = Selectable<JobsTable>;

/**
 * The columns a worker reads of the job it runs: what the claim, the fenced lock and the end of a
 * stage return.
 * Returning the whole row (40 columns, three of them jsonb) cost a one-job claim 0.13 ms of its
 * 0.8 ms, on the path from NOTIFY to the handler.
 */
export const WORKER_JOB_COLUMNS = [
  "id",
  "tenant_id",
  "status",
  "stage",
  "filename",
  "content_type",
  "size",
  "object_key",
  "object_etag",
  "attempt",
  "max_attempts",
  "releases",
  "lease_owner",
  "generation",
  "settings",
  "uploaded_at",
  "warnings",
  "content_sha256",
  "pipeline_key",
] as const satisfies readonly (keyof JobsTable)[];

export type WorkerJob = Pick<JobRow, (typeof WORKER_JOB_COLUMNS)[number]>;
export type NewJob = Insertable<JobsTable>;
export type JobEventRow = Selectable<JobEventsTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
