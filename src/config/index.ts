import os from "node:os";
import path from "node:path";
import { z } from "zod";

/** Thrown when the environment cannot be turned into a config; its message is one line for the operator. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const url = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL");

/** Every variable intake reads, with its default. Unknown INTAKE_ variables are ignored. */
const envSchema = z.object({
  DATABASE_URL: postgresUrl.optional(),
  S3_ENDPOINT: url.optional(),
  S3_PUBLIC_ENDPOINT: url.optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name")
    .default("intake"),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(8, "must be at least 8 characters").optional(),
  PORT: int(0, 65535).default(8080),
  INTAKE_API_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  INTAKE_WEBHOOK_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  INTAKE_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  INTAKE_UPLOAD_TOKEN_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  INTAKE_TRUST_FORWARDED_PROTO: z
    .enum(["true", "false", "1", "0"], { message: "must be true or false" })
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  INTAKE_DATA_DIR: z.string().min(1).default(".intake"),
  INTAKE_LOCAL_PG_PORT: int(1, 65535).optional(),
  INTAKE_LOCAL_S3_PORT: int(1, 65535).optional(),
  INTAKE_METRICS_PORT: int(0, 65535).optional(),
  INTAKE_UPLOAD_URL_TTL_SECONDS: int(1, 7 * 24 * 3600).default(900),
  INTAKE_MAX_UPLOAD_BYTES: int(1).default(5 * GiB),
  INTAKE_MULTIPART_THRESHOLD_BYTES: int(5 * MiB).default(64 * MiB),
  INTAKE_PART_SIZE_BYTES: int(5 * MiB, 5 * GiB).default(16 * MiB),
  INTAKE_RECONCILE_INTERVAL_MS: int(100).default(30_000),
  INTAKE_RECONCILE_AFTER_SECONDS: int(0).default(60),
  INTAKE_RETENTION_DAYS: int(1, 36_500).optional(),
  INTAKE_RETENTION_INTERVAL_MS: int(100).default(60_000),
  INTAKE_ORPHAN_SWEEP_INTERVAL_MS: int(1000).default(3_600_000),
  INTAKE_ORPHAN_GRACE_SECONDS: int(0).default(86_400),
  INTAKE_LEASE_SECONDS: int(1).default(30),
  INTAKE_MAX_ATTEMPTS: int(1, 100).default(5),
  INTAKE_RETRY_BASE_MS: int(0).default(1000),
  INTAKE_RETRY_CAP_MS: int(0).default(300_000),
  INTAKE_BREAKER_RESET_MS: int(100).default(5000),
  INTAKE_MAX_RELEASES: int(0, 1000).default(10),
  // Fair claiming (migration 0009): running jobs per stage one tenant may hold (unset:
  // unlimited), and the highest upload priority a tenant may ask for; `tenants` overrides both.
  INTAKE_TENANT_MAX_RUNNING_PER_STAGE: int(1).optional(),
  INTAKE_WORKER_PREFETCH: int(0).default(0),
  INTAKE_STAGE_CHAINING: z.enum(["on", "off"]).default("on"),
  INTAKE_MAX_PRIORITY: int(0, 1000).default(10),
  INTAKE_PARSE_THREADS: int(1, 64).default(Math.max(1, Math.min(4, os.availableParallelism()))),
  INTAKE_PARSE_MEMORY_MB: int(32, 16_384).default(256),
  INTAKE_PARSE_TIMEOUT_MS: int(1).default(30_000),
  INTAKE_PARSE_TIMEOUT_PER_MIB_MS: int(0).default(2000),
  INTAKE_OCR: z.enum(["auto", "off"]).default("auto"),
  // Tesseract's language codes joined by "+", as tesseract -l takes them; each must be installed.
  INTAKE_OCR_LANGUAGES: z
    .string()
    .regex(
      /^[a-z][a-z_]{1,30}(\+[a-z][a-z_]{1,30})*$/i,
      "must be Tesseract languages joined by +, e.g. eng+deu",
    )
    .default("eng")
    .transform((v) => v.split("+")),
  INTAKE_OCR_PAGE_TIMEOUT_MS: int(1000).default(30_000),
  INTAKE_OCR_MAX_PAGES: int(1, 100_000).default(200),
  INTAKE_OCR_DPI: int(72, 600).default(200),
  INTAKE_EMBEDDER: z.enum(["hash", "openai"]).default("hash"),
  INTAKE_EMBED_DIMENSIONS: int(8, 8192).default(256),
  INTAKE_OPENAI_BASE_URL: url.optional(),
  INTAKE_OPENAI_API_KEY: z.string().optional(),
  INTAKE_OPENAI_MODEL: z.string().min(1).default("text-embedding-3-small"),
  INTAKE_CHUNK_SIZE: int(64).default(1200),
  INTAKE_CHUNK_OVERLAP: int(0).default(150),
  INTAKE_CHUNK_UNIT: z.enum(["chars", "tokens"]).default("chars"),
  INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS: z.enum(["true", "false", "1", "0"]).default("false"),
  INTAKE_WEBHOOK_TIMEOUT_MS: int(1, 600_000).default(10_000),
  INTAKE_WEBHOOK_LEASE_SECONDS: int(1, 3600).default(30),
  INTAKE_WEBHOOK_MAX_ATTEMPTS: int(1, 100).default(8),
  INTAKE_WEBHOOK_RETRY_BASE_MS: int(0).default(5000),
  INTAKE_WEBHOOK_RETRY_CAP_MS: int(0).default(3_600_000),
  INTAKE_WEBHOOK_DISABLE_AFTER_SECONDS: int(0).default(5 * 24 * 3600),
  INTAKE_WEBHOOK_SECRET_GRACE_SECONDS: int(0).default(24 * 3600),
  INTAKE_WEBHOOK_CONCURRENCY: int(1, 256).default(8),
  // Per-tenant defaults (overridden per tenant by `intake tenants set-limits`); 0: unlimited.
  INTAKE_TENANT_UPLOADS_PER_MINUTE: int(0).default(600),
  INTAKE_TENANT_MAX_BYTES: int(0).default(0),
  INTAKE_TENANT_MAX_DOCUMENTS: int(0).default(0),
  INTAKE_TENANT_MAX_STREAMS: int(0).default(100),
  // Per API process, whatever the tenant: SSE streams held open at once; 0: unlimited.
  INTAKE_MAX_STREAMS_PER_PROCESS: int(0).default(1000),
  INTAKE_AUTH_FAILURES_PER_MINUTE: int(0).default(20),
  INTAKE_TRUST_FORWARDED_FOR: z.enum(["true", "false", "1", "0"]).default("false"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export interface S3Config {
  /** Where intake talks to S3; undefined means "start a local one". */
  endpoint: string | undefined;
  /** Where clients reach S3 (presigned URLs are signed for this host). */
  publicEndpoint: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
}

/** The sandbox's limits for one parse (see src/sandbox). */
export interface ParseBudget {
  /** Threads parsing at once; more documents wait for a free thread. */
  threads: number;
  /** V8 heap (old generation) one parse may use. */
  memoryMb: number;
  /** Busy time any document gets, plus `timeoutPerMiBMs` per MiB of its size. */
  timeoutBaseMs: number;
  timeoutPerMiBMs: number;
  /** OCR of scanned pages and images, inside the same sandbox. */
  ocr: OcrConfig;
}

export interface OcrConfig {
  /** INTAKE_OCR=auto: OCR when Tesseract is installed; off: never (pages without text warn). */
  enabled: boolean;
  /** Tesseract languages, e.g. ["eng", "deu"] from INTAKE_OCR_LANGUAGES=eng+deu. */
  languages: string[];
  perPageTimeoutMs: number;
  maxPages: number;
  dpi: number;
}

/** Which embedder runs; an OpenAI-compatible one needs its base URL (checked at load). */
export type EmbedderConfig =
  | { kind: "hash" }
  | { kind: "openai"; baseUrl: string; apiKey: string | undefined; model: string };

export interface Config {
  databaseUrl: string | undefined;
  s3: S3Config;
  port: number;
  apiKey: string | undefined;
  webhookToken: string | undefined;
  /** When set, `/metrics` (API and worker ports) and `/readyz`'s error details need it as a bearer. */
  metricsToken: string | undefined;
  /** Signs `/s3` upload tokens; every API instance needs the same one (generated by `intake start`). */
  uploadTokenSecret: string | undefined;
  /** Behind a TLS-terminating proxy: take `X-Forwarded-Proto` as the request's scheme (cookie flags). */
  trustForwardedProto: boolean;
  dataDir: string;
  /** Ports of the local services `intake start` runs; undefined: the default, or a free one. */
  local: { pgPort: number | undefined; s3Port: number | undefined };
  /** Where a process without the API serves /metrics (0: any free port); undefined: nowhere. */
  metricsPort: number | undefined;
  uploads: {
    urlTtlSeconds: number;
    maxBytes: number;
    multipartThresholdBytes: number;
    partSizeBytes: number;
    /** The highest `priority` a tenant without its own `max_priority` may set. */
    maxPriority: number;
  };
  reconciler: {
    intervalMs: number;
    afterSeconds: number;
    /** How often the orphan sweep lists `uploads/` and `derived/` (src/uploads/orphan-sweep.ts). */
    orphanSweepIntervalMs: number;
    /** An unowned object younger than this is left alone: its job row may not be visible yet. */
    orphanGraceSeconds: number;
  };
  /** Finished jobs older than `days` are deleted (undefined: kept); deleted jobs are purged every interval. */
  retention: { days: number | undefined; intervalMs: number };
  worker: {
    leaseSeconds: number;
    maxAttempts: number;
    retryBaseMs: number;
    retryCapMs: number;
    breakerResetMs: number;
    /** Times one job may be given back without spending an attempt (outages only). */
    maxReleases: number;
    /** Running jobs per stage a tenant may hold unless `tenants` says otherwise; null: unlimited. */
    tenantMaxRunningPerStage: number | null;
    /** Jobs a worker claims ahead of a free slot (leased while they wait); 0: none. */
    prefetch: number;
    /** A worker that runs the next stage too takes it at once instead of queueing it. */
    chainStages: boolean;
  };
  parse: ParseBudget;
  pipeline: {
    chunkSize: number;
    chunkOverlap: number;
    /** What chunkSize and chunkOverlap count: UTF-16 characters or cl100k_base tokens. */
    chunkUnit: "chars" | "tokens";
    embedder: EmbedderConfig;
    embedDimensions: number;
  };
  webhooks: WebhookConfig;
  quotas: QuotaConfig;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
}

/** Per-tenant limits every instance enforces alike (see src/quotas); 0 is unlimited. */
export interface QuotaConfig {
  /** Defaults for tenants without an override in `tenant_limits`. */
  tenantDefaults: {
    uploadsPerMinute: number;
    maxBytes: number;
    maxDocuments: number;
    maxStreams: number;
  };
  /** SSE streams one API process holds open at once, all tenants together (503 past it). */
  maxStreamsPerProcess: number;
  /** Failed authentications per client address per minute, per process. */
  authFailuresPerMinute: number;
  /** Take the client address from the last X-Forwarded-For hop (behind a trusted proxy). */
  trustForwardedFor: boolean;
}

/** Outbound webhooks (see src/webhooks). */
export interface WebhookConfig {
  /** http and private, loopback, link-local … addresses allowed (tests, local setups). */
  allowPrivateUrls: boolean;
  /** One attempt's budget, DNS to response headers. */
  timeoutMs: number;
  /** A claimed delivery's lease; longer than `timeoutMs`. */
  leaseSeconds: number;
  /** Attempts per delivery (and per redelivery) before it is failed. */
  maxAttempts: number;
  retryBaseMs: number;
  retryCapMs: number;
  /** An endpoint failing without a single success for this long is disabled. */
  disableAfterSeconds: number;
  /** How long a rotated-out secret keeps signing beside the new one. */
  secretGraceSeconds: number;
  /** Attempts in flight per worker process. */
  concurrency: number;
}

/**
 * A Config once the services are up: Postgres and S3 are known. What `intake start` fills in
 * (an embedded Postgres, a local S3 and its keys) is filled in by then, so nothing past
 * start-up needs a non-null assertion.
 */
export interface ResolvedConfig extends Config {
  databaseUrl: string;
  s3: S3Config & { endpoint: string; accessKeyId: string; secretAccessKey: string };
}

/** `config` as a ResolvedConfig, or a ConfigError naming what is still missing. */
export function resolvedConfig(config: Config): ResolvedConfig {
  const { databaseUrl, s3 } = config;
  if (!databaseUrl) throw new ConfigError("DATABASE_URL: not known after start-up");
  if (!s3.endpoint) throw new ConfigError("S3_ENDPOINT: not known after start-up");
  if (!s3.accessKeyId || !s3.secretAccessKey) {
    throw new ConfigError("S3_ACCESS_KEY_ID: S3 credentials not known after start-up");
  }
  const { endpoint, accessKeyId, secretAccessKey } = s3;
  return { ...config, databaseUrl, s3: { ...s3, endpoint, accessKeyId, secretAccessKey } };
}

/**
 * A bad value as a config error may echo it: never a secret's (config errors land in terminals,
 * CI logs and crash reports), and a URL without its userinfo (`postgres://user:pass@…`).
 */
function shownValue(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (/SECRET|TOKEN|PASSWORD|_KEY$|_KEY_ID$/.test(name)) return "a value that is not shown";
  return JSON.stringify(value.replace(/\/\/[^/@]*@/, "//***@"));
}

/**
 * `env` through `schema`, empty strings treated as unset (`FOO= intake start` means "default",
 * not "invalid"); the first bad variable is a one-line ConfigError, its value shown unless secret.
 */
function parseEnv<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv | Record<string, string | undefined>,
): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? "environment");
    const got = shownValue(name, present[name]);
    throw new ConfigError(`${name}: ${issue.message}${got === undefined ? "" : ` (got ${got})`}`);
  }
  return parsed.data;
}

/**
 * Reads intake's configuration from an environment.
 *
 * @throws ConfigError naming the first bad variable, e.g. `PORT: must be a whole number (got "80a")`.
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>): Config {
  const e = parseEnv(envSchema, env);
  if (e.INTAKE_CHUNK_OVERLAP >= e.INTAKE_CHUNK_SIZE) {
    throw new ConfigError(
      `INTAKE_CHUNK_OVERLAP: must be smaller than INTAKE_CHUNK_SIZE (${e.INTAKE_CHUNK_OVERLAP} >= ${e.INTAKE_CHUNK_SIZE})`,
    );
  }
  let embedder: EmbedderConfig = { kind: "hash" };
  if (e.INTAKE_EMBEDDER === "openai") {
    if (!e.INTAKE_OPENAI_BASE_URL) {
      throw new ConfigError("INTAKE_OPENAI_BASE_URL: required when INTAKE_EMBEDDER=openai");
    }
    embedder = {
      kind: "openai",
      baseUrl: e.INTAKE_OPENAI_BASE_URL,
      apiKey: e.INTAKE_OPENAI_API_KEY,
      model: e.INTAKE_OPENAI_MODEL,
    };
  }
  if (e.INTAKE_WEBHOOK_LEASE_SECONDS * 1000 <= e.INTAKE_WEBHOOK_TIMEOUT_MS) {
    throw new ConfigError(
      `INTAKE_WEBHOOK_LEASE_SECONDS: must be longer than INTAKE_WEBHOOK_TIMEOUT_MS (${e.INTAKE_WEBHOOK_LEASE_SECONDS} s <= ${e.INTAKE_WEBHOOK_TIMEOUT_MS} ms)`,
    );
  }
  if (e.S3_ENDPOINT && (!e.S3_ACCESS_KEY_ID || !e.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError(
      "S3_ACCESS_KEY_ID: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required with S3_ENDPOINT",
    );
  }
  return {
    databaseUrl: e.DATABASE_URL,
    s3: {
      endpoint: e.S3_ENDPOINT,
      publicEndpoint: e.S3_PUBLIC_ENDPOINT,
      region: e.S3_REGION,
      bucket: e.S3_BUCKET,
      accessKeyId: e.S3_ACCESS_KEY_ID,
      secretAccessKey: e.S3_SECRET_ACCESS_KEY,
    },
    port: e.PORT,
    apiKey: e.INTAKE_API_KEY,
    webhookToken: e.INTAKE_WEBHOOK_TOKEN,
    metricsToken: e.INTAKE_METRICS_TOKEN,
    uploadTokenSecret: e.INTAKE_UPLOAD_TOKEN_SECRET,
    trustForwardedProto: e.INTAKE_TRUST_FORWARDED_PROTO,
    dataDir: path.resolve(e.INTAKE_DATA_DIR),
    local: { pgPort: e.INTAKE_LOCAL_PG_PORT, s3Port: e.INTAKE_LOCAL_S3_PORT },
    metricsPort: e.INTAKE_METRICS_PORT,
    uploads: {
      urlTtlSeconds: e.INTAKE_UPLOAD_URL_TTL_SECONDS,
      maxBytes: e.INTAKE_MAX_UPLOAD_BYTES,
      multipartThresholdBytes: e.INTAKE_MULTIPART_THRESHOLD_BYTES,
      partSizeBytes: e.INTAKE_PART_SIZE_BYTES,
      maxPriority: e.INTAKE_MAX_PRIORITY,
    },
    reconciler: {
      intervalMs: e.INTAKE_RECONCILE_INTERVAL_MS,
      afterSeconds: e.INTAKE_RECONCILE_AFTER_SECONDS,
      orphanSweepIntervalMs: e.INTAKE_ORPHAN_SWEEP_INTERVAL_MS,
      orphanGraceSeconds: e.INTAKE_ORPHAN_GRACE_SECONDS,
    },
    retention: { days: e.INTAKE_RETENTION_DAYS, intervalMs: e.INTAKE_RETENTION_INTERVAL_MS },
    worker: {
      leaseSeconds: e.INTAKE_LEASE_SECONDS,
      maxAttempts: e.INTAKE_MAX_ATTEMPTS,
      retryBaseMs: e.INTAKE_RETRY_BASE_MS,
      retryCapMs: e.INTAKE_RETRY_CAP_MS,
      breakerResetMs: e.INTAKE_BREAKER_RESET_MS,
      maxReleases: e.INTAKE_MAX_RELEASES,
      tenantMaxRunningPerStage: e.INTAKE_TENANT_MAX_RUNNING_PER_STAGE ?? null,
      prefetch: e.INTAKE_WORKER_PREFETCH,
      chainStages: e.INTAKE_STAGE_CHAINING === "on",
    },
    parse: {
      threads: e.INTAKE_PARSE_THREADS,
      memoryMb: e.INTAKE_PARSE_MEMORY_MB,
      timeoutBaseMs: e.INTAKE_PARSE_TIMEOUT_MS,
      timeoutPerMiBMs: e.INTAKE_PARSE_TIMEOUT_PER_MIB_MS,
      ocr: {
        enabled: e.INTAKE_OCR === "auto",
        languages: e.INTAKE_OCR_LANGUAGES,
        perPageTimeoutMs: e.INTAKE_OCR_PAGE_TIMEOUT_MS,
        maxPages: e.INTAKE_OCR_MAX_PAGES,
        dpi: e.INTAKE_OCR_DPI,
      },
    },
    pipeline: {
      chunkSize: e.INTAKE_CHUNK_SIZE,
      chunkOverlap: e.INTAKE_CHUNK_OVERLAP,
      chunkUnit: e.INTAKE_CHUNK_UNIT,
      embedder,
      embedDimensions: e.INTAKE_EMBED_DIMENSIONS,
    },
    webhooks: {
      allowPrivateUrls:
        e.INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS === "true" || e.INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS === "1",
      timeoutMs: e.INTAKE_WEBHOOK_TIMEOUT_MS,
      leaseSeconds: e.INTAKE_WEBHOOK_LEASE_SECONDS,
      maxAttempts: e.INTAKE_WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.INTAKE_WEBHOOK_RETRY_BASE_MS,
      retryCapMs: e.INTAKE_WEBHOOK_RETRY_CAP_MS,
      disableAfterSeconds: e.INTAKE_WEBHOOK_DISABLE_AFTER_SECONDS,
      secretGraceSeconds: e.INTAKE_WEBHOOK_SECRET_GRACE_SECONDS,
      concurrency: e.INTAKE_WEBHOOK_CONCURRENCY,
    },
    quotas: {
      tenantDefaults: {
        uploadsPerMinute: e.INTAKE_TENANT_UPLOADS_PER_MINUTE,
        maxBytes: e.INTAKE_TENANT_MAX_BYTES,
        maxDocuments: e.INTAKE_TENANT_MAX_DOCUMENTS,
        maxStreams: e.INTAKE_TENANT_MAX_STREAMS,
      },
      maxStreamsPerProcess: e.INTAKE_MAX_STREAMS_PER_PROCESS,
      authFailuresPerMinute: e.INTAKE_AUTH_FAILURES_PER_MINUTE,
      trustForwardedFor: e.INTAKE_TRUST_FORWARDED_FOR === "true" || e.INTAKE_TRUST_FORWARDED_FOR === "1",
    },
    logLevel: e.LOG_LEVEL,
  };
}

/** The variables the CLI's client commands (`intake upload`, `intake watch`) read. */
const clientEnvSchema = z.object({
  INTAKE_URL: url.optional(),
  INTAKE_API_KEY: z.string().min(1).optional(),
  PORT: int(1, 65535).default(8080),
});

/**
 * Where the client commands find intake: INTAKE_URL, else localhost on PORT.
 *
 * @throws ConfigError naming the bad variable.
 */
export function loadClientEnv(env: NodeJS.ProcessEnv | Record<string, string | undefined>): {
  url: string;
  apiKey: string | undefined;
} {
  const e = parseEnv(clientEnvSchema, env);
  return { url: e.INTAKE_URL ?? `http://localhost:${e.PORT}`, apiKey: e.INTAKE_API_KEY };
}
