import type { S3Client } from "@aws-sdk/client-s3";
import type { ResolvedConfig } from "../config/index.js";
import type { Db } from "../db/database.js";
import type { JobEventHub } from "../jobs/job-event-hub.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";

/** Everything a route needs, passed in so tests and the all-in-one process compose the same app. */
export interface AppDeps {
  config: ResolvedConfig;
  db: Db;
  s3: S3Client;
  logger: Logger;
  metrics: Metrics;
  /** Signs URLs for the host clients reach (S3_PUBLIC_ENDPOINT); defaults to `s3`. */
  presignS3?: S3Client;
  /**
   * The process's one LISTEN connection for job events, shared by every SSE stream. The owner
   * closes it on shutdown; when absent, `createApp` makes one (it connects on first use).
   */
  eventHub?: JobEventHub;
  /** SSE tuning: heartbeat comment interval (default 15 000 ms). */
  eventStream?: { heartbeatMs?: number };
}
