import { randomBytes } from "node:crypto";
import os from "node:os";
import type { JobRow } from "../db/schema.js";
import { backoffDelayMs } from "../jobs/backoff.js";
import { claimJobs } from "../jobs/claim.js";
import { extendLeases, fenceOf } from "../jobs/lease.js";
import { releaseExpiredLeases } from "../jobs/reaper.js";
import { failAttempt, releaseJob } from "../jobs/stage-outcomes.js";
import { JOB_STAGES, type JobStage } from "../jobs/state-machine.js";
import { classifyStageError, type Outcome } from "./classify-error.js";
import { QueueListener } from "./queue-listener.js";
import { STAGE_DEPENDENCIES, type StageDeps, type StageHandler } from "./stage.js";
import { chunkStage } from "./stages/chunk.js";
import { embedStage } from "./stages/embed.js";
import { parseStage } from "./stages/parse.js";

export const STAGE_HANDLERS: Record<JobStage, StageHandler> = {
  parse: parseStage,
  chunk: chunkStage,
  embed: embedStage,
};

export interface WorkerProps {
  deps: StageDeps;
  databaseUrl: string;
  stages: readonly JobStage[];
  concurrency: number;
  workerId?: string;
  /** Backstop poll when no NOTIFY arrives (a missed notification, a delayed retry coming due). */
  pollIntervalMs?: number;
  handlers?: Partial<Record<JobStage, StageHandler>>;
}

export interface Worker {
  workerId: string;
  /** Stops claiming, waits for held jobs up to `graceMs`, releases the rest, and resolves. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the loop has exited. */
  done: Promise<void>;
}

interface Held {
  job: JobRow;
  abort: AbortController;
  promise: Promise<void>;
}

/**
 * The claim loop. It claims as many jobs as it has free slots in one statement, runs each
 * stage, heartbeats the leases it holds, and sleeps on LISTEN until the enqueueing commit
 * NOTIFYs it (or a slow backstop poll fires). It reaps expired leases on the same cadence.
 */
export async function startWorker(props: WorkerProps): Promise<Worker> {
  const { deps } = props;
  const workerId = props.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const handlers = { ...STAGE_HANDLERS, ...props.handlers };
  const leaseSeconds = deps.config.worker.leaseSeconds;
  const pollMs = props.pollIntervalMs ?? 2000;
  const log = deps.logger.child({ workerId });
  const held = new Map<string, Held>();
  let stopping = false;
  // A NOTIFY that arrives while the loop is claiming must not be lost: remember it.
  let signaled = false;
  let resolveSleep: () => void = () => {};
  const wake = () => {
    signaled = true;
    resolveSleep();
  };

  const listener = new QueueListener({
    databaseUrl: props.databaseUrl,
    logger: log,
    onNotify: (stage) => {
      if (props.stages.includes(stage as JobStage)) wake();
    },
    onWake: () => wake(),
  });
  await listener.start();

  const dependencyOpen = (stage: JobStage) =>
    STAGE_DEPENDENCIES[stage].some((d) => (d === "storage" ? deps.storage : deps.embedder).isOpen);

  const run = (job: JobRow) => {
    const abort = new AbortController();
    const jobLog = log.child({ jobId: job.id, tenant: job.tenant_id, stage: job.stage });
    const fence = fenceOf(job, workerId);
    const started = performance.now();
    if (job.stage === "parse" && job.attempt === 1 && job.uploaded_at) {
      deps.metrics.pickupLatency.observe((Date.now() - job.uploaded_at.getTime()) / 1000);
    }
    const promise = (async () => {
      try {
        await handlers[job.stage](deps, { job, fence, signal: abort.signal, logger: jobLog });
        deps.metrics.stageDuration.observe(
          { stage: job.stage, outcome: "ok" },
          (performance.now() - started) / 1000,
        );
        if (job.stage === "embed" && job.uploaded_at) {
          deps.metrics.endToEndLatency.observe((Date.now() - job.uploaded_at.getTime()) / 1000);
        }
      } catch (err) {
        deps.metrics.stageDuration.observe(
          { stage: job.stage, outcome: "error" },
          (performance.now() - started) / 1000,
        );
        await settleFailure(job, err, jobLog);
      } finally {
        held.delete(job.id);
        wake();
      }
    })();
    held.set(job.id, { job, abort, promise });
  };

  /**
   * A refund (no attempt spent) needs a dependency that is down by its breaker's or its health
   * check's account, and a job under its cap of refunds. A read that failed because this
   * process was busy finds storage healthy and spends an attempt, so no job cycles forever.
   */
  const refundable = async (job: JobRow, outcome: Extract<Outcome, { kind: "unavailable" }>) => {
    if (job.releases >= deps.config.worker.maxReleases) return false;
    if (outcome.confirmed) return true;
    if (outcome.dependency === "storage") return deps.storage.isOpen || !(await deps.storageHealthy());
    return deps.embedder.isOpen;
  };

  const settleFailure = async (job: JobRow, err: unknown, jobLog: typeof log) => {
    const fence = fenceOf(job, workerId);
    const outcome = classifyStageError(err);
    try {
      if (outcome.kind === "lease_lost") {
        jobLog.warn("lease lost; another worker owns the job now, nothing was written");
      } else if (outcome.kind === "unavailable" && (await refundable(job, outcome))) {
        const delay = deps.config.worker.breakerResetMs;
        jobLog.warn(
          { dependency: outcome.dependency, err: outcome.message, releases: job.releases + 1 },
          "dependency unavailable; job requeued without spending its attempt",
        );
        await releaseJob(deps.db, fence, `${outcome.dependency} unavailable`, delay, { outage: true });
      } else {
        const failure =
          outcome.kind === "unavailable"
            ? { code: `${outcome.dependency}_error`, message: outcome.message, retryable: true }
            : outcome;
        const delay = backoffDelayMs(job.attempt, {
          baseMs: deps.config.worker.retryBaseMs,
          capMs: deps.config.worker.retryCapMs,
        });
        const res = await failAttempt(deps.db, fence, failure, delay);
        if (!res) {
          jobLog.warn(
            { code: failure.code, err: failure.message },
            "stage failed after its lease was lost; not recorded",
          );
        } else {
          if (res.retrying) deps.metrics.retries.inc({ stage: job.stage });
          else deps.metrics.failures.inc({ stage: job.stage, code: failure.code });
          jobLog.warn({ code: failure.code, err: failure.message, retrying: res.retrying }, "stage failed");
        }
      }
    } catch (writeErr) {
      // The lease will expire and the reaper will return the job; say so loudly.
      jobLog.error(
        { err: writeErr },
        "could not record the stage failure; the lease will expire and be reaped",
      );
    }
  };

  const heartbeat = setInterval(
    async () => {
      try {
        const lost = await extendLeases(
          deps.db,
          workerId,
          [...held.values()].map((h) => ({ id: h.job.id, attempt: h.job.attempt })),
          leaseSeconds,
        );
        for (const id of lost) held.get(id)?.abort.abort(new Error("lease lost"));
        await releaseExpiredLeases(deps.db);
      } catch (err) {
        log.warn({ err }, "heartbeat failed");
      }
    },
    Math.max(200, (leaseSeconds * 1000) / 3),
  );

  const loop = async () => {
    while (!stopping) {
      signaled = false;
      const free = props.concurrency - held.size;
      const stages = props.stages.filter((s) => !dependencyOpen(s));
      let claimed: JobRow[] = [];
      if (free > 0 && stages.length > 0) {
        try {
          claimed = await claimJobs(deps.db, { workerId, stages, limit: free, leaseSeconds });
        } catch (err) {
          log.warn({ err }, "claim failed; retrying after the poll interval");
        }
        for (const job of claimed) run(job);
      }
      if (claimed.length > 0 && claimed.length === free) continue;
      if (signaled || stopping) continue;
      // Sleep until a NOTIFY, a finished job, or the backstop poll.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        resolveSleep = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      resolveSleep = () => {};
    }
  };
  const done = loop();

  return {
    workerId,
    done,
    async stop(graceMs = 10_000) {
      stopping = true;
      wake();
      await done;
      const pending = [...held.values()];
      const timeout = new Promise((r) => setTimeout(r, graceMs).unref());
      await Promise.race([Promise.allSettled(pending.map((h) => h.promise)), timeout]);
      // Release first, then abort: the aborted handler's failure path then finds the lease gone
      // and writes nothing, instead of spending the attempt it was interrupted in.
      for (const h of held.values()) {
        await releaseJob(deps.db, fenceOf(h.job, workerId), "worker shut down").catch(() => {});
        h.abort.abort(new Error("worker shutting down"));
      }
      await Promise.allSettled(pending.map((h) => h.promise));
      clearInterval(heartbeat);
      await listener.close();
      await deps.parser.close();
    },
  };
}

export function parseStages(list: string): JobStage[] {
  const stages = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = stages.find((s) => !(JOB_STAGES as readonly string[]).includes(s));
  if (bad) throw new Error(`unknown stage "${bad}"; stages are ${JOB_STAGES.join(", ")}`);
  return stages as JobStage[];
}
