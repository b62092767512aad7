import type { S3Client } from "@aws-sdk/client-s3";
import type { Config } from "../config/index.js";
import type { Db } from "../db/database.js";
import type { JobRow } from "../db/schema.js";
import type { StageCompletionBatcher } from "../jobs/complete-batch.js";
import type { Tx } from "../jobs/job-events.js";
import { type Fence, lockFenced } from "../jobs/lease.js";
import { finishStage, reportProgress } from "../jobs/stage-outcomes.js";
import type { JobStage } from "../jobs/state-machine.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { EmbeddingProvider } from "../pipeline/index.js";
import type { Dependency } from "../resilience/dependency.js";
import type { ParseExecutor } from "../sandbox/parse-executor.js";

export interface StageDeps {
  config: Config;
  db: Db;
  s3: S3Client;
  storage: Dependency;
  embedder: Dependency;
  provider: EmbeddingProvider;
  /** Where documents are parsed: a pool of sandboxed threads, never this thread. */
  parser: ParseExecutor;
  /** Whether storage answers right now; asked before a storage error may refund an attempt. */
  storageHealthy: () => Promise<boolean>;
  /** Ends output-less stage commits of many jobs in one transaction (see StageCompletionBatcher). */
  completions: StageCompletionBatcher;
  logger: Logger;
  metrics: Metrics;
}

/** One claimed attempt of one stage of one job. */
export interface StageRun {
  job: JobRow;
  fence: Fence;
  signal: AbortSignal;
  logger: Logger;
}

export type StageHandler = (deps: StageDeps, run: StageRun) => Promise<void>;

/** Which guarded dependencies a stage needs; while one's breaker is open the stage is not claimed. */
export const STAGE_DEPENDENCIES: Record<JobStage, readonly ("storage" | "embedder")[]> = {
  parse: ["storage"],
  chunk: ["storage"],
  embed: ["embedder"],
};

/**
 * Writes a stage's final outputs and ends the stage in one transaction under the job's lock:
 * if the lease was lost, nothing of it commits.
 */
export async function commitStage(
  deps: StageDeps,
  run: StageRun,
  writeOutputs: (trx: Tx, job: JobRow) => Promise<Record<string, unknown> | undefined>,
): Promise<JobRow> {
  return deps.db.transaction().execute(async (trx) => {
    const job = await lockFenced(trx, run.fence);
    const detail = (await writeOutputs(trx, job)) ?? {};
    return finishStage(trx, job, detail);
  });
}

/** A fenced write of intermediate outputs (one batch), so a stale worker's batches fail too. */
export async function writeFenced(
  deps: StageDeps,
  run: StageRun,
  write: (trx: Tx) => Promise<void>,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    await lockFenced(trx, run.fence);
    await write(trx);
  });
}

/** Publishes progress at most every `minIntervalMs`, plus a final call with force. */
export function progressReporter(deps: StageDeps, run: StageRun, minIntervalMs = 500) {
  let last = 0;
  return async (progress: Record<string, unknown>, force = false) => {
    const now = Date.now();
    if (!force && now - last < minIntervalMs) return;
    last = now;
    await reportProgress(deps.db, run.fence, progress);
  };
}
