import type { Metrics } from "../observability/metrics.js";
import { Dependency } from "../resilience/dependency.js";
import { isTransientStorageError } from "./errors.js";
import { ObjectStore } from "./object-store.js";
import { createS3Client } from "./s3-client.js";

export interface ObjectStoreConfig {
  endpoint: string;
  /** The host clients reach, when it differs from `endpoint`; URLs are signed for it. */
  publicEndpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  metrics?: Metrics;
  /** How long the breaker stays open before a trial call. */
  breakerResetMs?: number;
}

/**
 * The process's object store: an S3 client for the endpoint, another for signing when clients
 * reach storage elsewhere, and one guarded "storage" dependency (its breaker state is the
 * `intake_breaker_state{dependency="storage"}` gauge).
 */
export function createObjectStore(config: ObjectStoreConfig): ObjectStore {
  const credentials = {
    region: config.region,
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
  };
  const client = createS3Client({ ...credentials, endpoint: config.endpoint });
  return new ObjectStore({
    client,
    signer: config.publicEndpoint
      ? createS3Client({ ...credentials, endpoint: config.publicEndpoint })
      : undefined,
    bucket: config.bucket,
    dependency: new Dependency({
      name: "storage",
      metrics: config.metrics,
      isTransient: isTransientStorageError,
      // Any transient storage failure that outlived the retries is an outage, not the job's fault.
      isOutage: isTransientStorageError,
      resetTimeoutMs: config.breakerResetMs,
    }),
  });
}
