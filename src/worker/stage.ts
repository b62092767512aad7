import type { Config } from "../config/index.js";
import type { Db, Tx } from "../db/database.js";
import { type Fence, fenceOf, LeaseLostError } from "../db/fence.js";
import type { WorkerJob } from "../db/schema.js";
import { endStages, type StageChain } from "../db/sql/end-stages.js";
import { lockFenced } from "../db/sql/lock-fenced.js";
import { reportProgress } from "../db/sql/report-progress.js";
import type { StageCompletionBatcher } from "../jobs/complete-batch.js";
import { type JobStage, nextStage } from "../jobs/state-machine.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { EmbeddingProvider } from "../pipeline/index.js";
import type { Dependency } from "../resilience/dependency.js";
import type { ParseExecutor } from "../sandbox/parse-executor.js";
import type { ObjectStore } from "../storage/object-store.js";
import type { TextHandoff } from "./text-handoff.js";

export interface StageDeps {
  config: Config;
  db: Db;
  /** Storage, guarded; `probe()` is asked before a storage error may refund an attempt. */
  store: ObjectStore;
  embedder: Dependency;
  provider: EmbeddingProvider;
  /** Where documents are parsed: a pool of sandboxed threads, never this thread. */
  parser: ParseExecutor;
  /** Small derived texts this worker just wrote, for its own chunk stage (see TextHandoff). */
  handoff: TextHandoff;
  /** Ends output-less stage commits of many jobs in one transaction (see StageCompletionBatcher). */
  completions: StageCompletionBatcher;
  logger: Logger;
  metrics: Metrics;
}

/** One claimed attempt of one stage of one job. */
export interface StageRun {
  job: WorkerJob;
  fence: Fence;
  signal: AbortSignal;
  logger: Logger;
  /**
   * Set by the claim loop when this worker also runs the next stage: `commitStage` then hands
   * the next stage to it directly (see `StageChain`), and leaves the job as it now is, running
   * that stage, in `chained`.
   */
  chain?: StageChain & { serves(stage: JobStage): boolean };
  chained?: WorkerJob;
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
  writeOutputs: (trx: Tx, job: WorkerJob) => Promise<Record<string, unknown> | undefined>,
): Promise<WorkerJob> {
  const row = await deps.db.transaction().execute(async (trx) => {
    const job = await lockFenced(trx, run.fence);
    const detail = (await writeOutputs(trx, job)) ?? {};
    const next = nextStage(job.stage);
    return finishStage(trx, job, detail, next && run.chain?.serves(next) ? run.chain : undefined);
  });
  if (row.status === "running") run.chained = row;
  return row;
}

/**
 * Ends a stage inside the caller's transaction (which has already written the stage's outputs
 * under `lockFenced`): queues the next stage with a fresh attempt count, or completes the job,
 * through the same statement as the batched completions (`endStages`).
 */
export async function finishStage(
  trx: Tx,
  job: WorkerJob,
  detail: Record<string, unknown> = {},
  chain?: StageChain,
): Promise<WorkerJob> {
  const fence = fenceOf(job, job.lease_owner ?? "");
  const [row] = await endStages(trx, [{ job, fence, detail, chain }]);
  if (!row) throw new LeaseLostError(fence);
  return row;
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
