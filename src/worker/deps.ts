import { HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Config } from "../config/index.js";
import type { Db } from "../db/database.js";
import { StageCompletionBatcher } from "../jobs/complete-batch.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import {
  createEmbeddingProvider,
  type EmbeddingProvider,
  EmbeddingProviderError,
} from "../pipeline/index.js";
import { Dependency, isNetworkError } from "../resilience/dependency.js";
import { createStorageDependency } from "../resilience/storage-dependency.js";
import { ParseExecutor } from "../sandbox/parse-executor.js";
import type { StageDeps } from "./stage.js";

export function createProvider(config: Config): EmbeddingProvider {
  const p = config.pipeline;
  return p.embedder === "openai"
    ? createEmbeddingProvider({
        provider: "openai",
        baseUrl: p.openai.baseUrl!,
        apiKey: p.openai.apiKey,
        model: p.openai.model,
        dimensions: p.embedDimensions,
      })
    : createEmbeddingProvider({ provider: "hash", dimensions: p.embedDimensions });
}

/** The dependencies of every stage, each guarded by its own breaker. */
export function createStageDeps(props: {
  config: Config;
  db: Db;
  s3: S3Client;
  logger: Logger;
  metrics: Metrics;
  provider?: EmbeddingProvider;
}): StageDeps {
  const resetMs = props.config.worker.breakerResetMs;
  return {
    ...props,
    provider: props.provider ?? createProvider(props.config),
    completions: new StageCompletionBatcher({ db: props.db }),
    parser: new ParseExecutor(props.config.parse),
    storageHealthy: () => storageAnswers(props.s3, props.config.s3.bucket),
    storage: createStorageDependency(props.metrics, resetMs),
    embedder: new Dependency({
      name: "embedder",
      metrics: props.metrics,
      isTransient: (err) => (err instanceof EmbeddingProviderError ? err.retryable : isNetworkError(err)),
      resetTimeoutMs: resetMs,
    }),
  };
}

const HEALTH_TIMEOUT_MS = 2000;

/** One HEAD of the bucket, outside the breaker and without retries: does storage answer now? */
async function storageAnswers(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }), {
      abortSignal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
    });
    return true;
  } catch {
    return false;
  }
}
