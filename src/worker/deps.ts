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
import { ParseExecutor } from "../sandbox/parse-executor.js";
import type { ObjectStore } from "../storage/object-store.js";
import type { StageDeps } from "./stage.js";
import { TextHandoff } from "./text-handoff.js";

/**
 * The configured provider; `model` (a job's `embedderModel` setting) picks another model of
 * an OpenAI-compatible provider. The hash provider has one model (the API refuses others).
 */
export function createProvider(config: Config, model?: string): EmbeddingProvider {
  const p = config.pipeline;
  return p.embedder.kind === "openai"
    ? createEmbeddingProvider({
        provider: "openai",
        baseUrl: p.embedder.baseUrl,
        apiKey: p.embedder.apiKey,
        model: model ?? p.embedder.model,
        dimensions: p.embedDimensions,
      })
    : createEmbeddingProvider({ provider: "hash", dimensions: p.embedDimensions });
}

/** The dependencies of every stage, each guarded by its own breaker. */
export function createStageDeps(props: {
  config: Config;
  db: Db;
  store: ObjectStore;
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
    handoff: new TextHandoff(),
    embedder: new Dependency({
      name: "embedder",
      metrics: props.metrics,
      isTransient: (err) => (err instanceof EmbeddingProviderError ? err.retryable : isNetworkError(err)),
      resetTimeoutMs: resetMs,
    }),
  };
}
