import type { ResolvedConfig } from "../config/index.js";
import type { Db } from "../db/database.js";
import type { JobEventHub } from "../jobs/job-event-hub.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { StreamSlots } from "../quotas/index.js";
import type { ObjectStore } from "../storage/object-store.js";
import type { ProcessStreams } from "./process-streams.js";

/** Everything a route needs, passed in so tests and the all-in-one process compose the same app. */
export interface AppDeps {
  config: ResolvedConfig;
  db: Db;
  store: ObjectStore;
  logger: Logger;
  metrics: Metrics;
  /**
   * The process's one LISTEN connection for job events, shared by every SSE stream. The owner
   * closes it on shutdown; when absent, `createApp` makes one (it connects on first use).
   */
  eventHub?: JobEventHub;
  /** The process's SSE slots (tenants' `max streams`); when absent, `createApp` makes one. */
  streamSlots?: StreamSlots;
  /** The process's cap on open SSE streams (all tenants); when absent, `createApp` makes one. */
  processStreams?: ProcessStreams;
  /** SSE tuning: heartbeat comment interval (default 15 000 ms). */
  eventStream?: { heartbeatMs?: number };
}
