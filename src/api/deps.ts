import type { S3Client } from "@aws-sdk/client-s3";
import type { Config } from "../config/index.js";
import type { Db } from "../db/database.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";

/** Everything a route needs, passed in so tests and the all-in-one process compose the same app. */
export interface AppDeps {
  config: Config;
  db: Db;
  s3: S3Client;
  logger: Logger;
  metrics: Metrics;
  /** Signs URLs for the host clients reach (S3_PUBLIC_ENDPOINT); defaults to `s3`. */
  presignS3?: S3Client;
}
