import { randomBytes } from "node:crypto";
import os from "node:os";
import { createDb } from "../db/database.js";
import { NotificationListener } from "../db/notification-listener.js";
import { JOB_STAGES, type JobStage } from "../jobs/state-machine.js";
import { ClaimLoop } from "./claim-loop.js";
import type { StageDeps, StageHandler } from "./stage.js";
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
  /** The process's LISTEN connection, when it has one (`intake start`); else the worker opens its own. */
  listener?: NotificationListener;
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

/** Starts a claim loop (see ClaimLoop) for `props.stages`. */
export async function startWorker(props: WorkerProps): Promise<Worker> {
  const workerId = props.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const own = props.listener
    ? undefined
    : new NotificationListener({ databaseUrl: props.databaseUrl, logger: props.deps.logger });
  const listener = props.listener ?? own!;
  const claimDb = createDb({
    connectionString: props.databaseUrl,
    max: 1,
    applicationName: "intake-claim",
    genericPlans: true,
    asynchronousCommit: true,
  });
  const loop = new ClaimLoop({
    deps: props.deps,
    listener,
    claimDb,
    workerId,
    stages: props.stages,
    concurrency: props.concurrency,
    prefetch: props.deps.config.worker.prefetch,
    handlers: { ...STAGE_HANDLERS, ...props.handlers },
    pollIntervalMs: props.pollIntervalMs ?? 2000,
  });
  try {
    await loop.start();
  } catch (err) {
    await own?.close();
    await claimDb.destroy();
    throw err;
  }
  return {
    workerId,
    done: loop.done,
    async stop(graceMs) {
      await loop.stop(graceMs);
      await own?.close();
      await claimDb.destroy();
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
