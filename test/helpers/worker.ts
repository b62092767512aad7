import type { JobStage } from "../../src/jobs/state-machine.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import type { EmbeddingProvider } from "../../src/pipeline/index.js";
import { createStageDeps } from "../../src/worker/deps.js";
import { startWorker, type WorkerProps } from "../../src/worker/runtime.js";
import type { TestContext } from "./context.js";

export async function startTestWorker(
  ctx: TestContext,
  opts: Partial<Pick<WorkerProps, "concurrency" | "workerId" | "handlers" | "pollIntervalMs">> & {
    stages?: JobStage[];
    provider?: EmbeddingProvider;
    metrics?: Metrics;
  } = {},
) {
  const metrics = opts.metrics ?? new Metrics();
  const deps = createStageDeps({
    config: ctx.config,
    db: ctx.db,
    store: ctx.store,
    logger: silentLogger,
    metrics,
    provider: opts.provider,
  });
  const worker = await startWorker({
    deps,
    databaseUrl: ctx.databaseUrl,
    stages: opts.stages ?? ["parse", "chunk", "embed"],
    concurrency: opts.concurrency ?? 4,
    workerId: opts.workerId,
    handlers: opts.handlers,
    pollIntervalMs: opts.pollIntervalMs,
  });
  return { worker, deps, metrics };
}
