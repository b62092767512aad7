import type { Db } from "../db/database.js";
import { fenceOf } from "../db/fence.js";
import type { NotificationListener } from "../db/notification-listener.js";
import { parseQueueNotice } from "../db/queue-notice.js";
import type { WorkerJob } from "../db/schema.js";
import { claimAnnouncedJobs, claimJobs } from "../db/sql/claim.js";
import { expireDeadWorkersLeases } from "../db/sql/expire-dead-workers-leases.js";
import { extendLeases } from "../db/sql/extend-leases.js";
import { heartbeatWorker } from "../db/sql/heartbeat-worker.js";
import { QUEUE_CHANNEL } from "../db/sql/job-events.js";
import { registerWorker } from "../db/sql/register-worker.js";
import { releaseExpiredLeases } from "../db/sql/release-expired-leases.js";
import { releaseJob } from "../db/sql/release-job.js";
import { unregisterWorker } from "../db/sql/unregister-worker.js";
import type { JobStage } from "../jobs/state-machine.js";
import type { Logger } from "../observability/logger.js";
import { AnnouncedWork } from "./announced-work.js";
import { settleFailure } from "./settle-failure.js";
import { STAGE_DEPENDENCIES, type StageDeps, type StageHandler, type StageRun } from "./stage.js";

/** Where the loop is: claiming a batch, asleep until woken, or shutting down. */
export type LoopState = "starting" | "claiming" | "sleeping" | "stopping" | "stopped";

export interface ClaimLoopProps {
  deps: StageDeps;
  /** The process's LISTEN connection; the loop listens on the queue channel. */
  listener: NotificationListener;
  /**
   * Where the claim runs: a connection of its own with generic plans, so that it is planned
   * once instead of on every pickup, and asynchronous commits, since a claim lost in a crash
   * is harmless (see createDb). Default: deps.db.
   */
  claimDb?: Db;
  workerId: string;
  stages: readonly JobStage[];
  concurrency: number;
  /**
   * Jobs claimed ahead of a free slot and held in a local queue, their leases extended while
   * they wait (INTAKE_WORKER_PREFETCH). A slot that frees starts the next one without a claim
   * round trip, and the claim of more overlaps the commits of those running. 0: none.
   */
  prefetch?: number;
  handlers: Record<JobStage, StageHandler>;
  /** Backstop poll when no NOTIFY arrives (a missed notification, a delayed retry coming due). */
  pollIntervalMs: number;
}

interface Held {
  /** The job as this worker now holds it: the stage it runs, under which attempt. */
  job: WorkerJob;
  /** The current stage's; a chained stage gets a new one. */
  abort: AbortController;
  promise: Promise<void>;
}

/**
 * The claim loop: claims as many jobs as it has free slots in one statement, runs each stage,
 * and sleeps on LISTEN until an enqueueing commit NOTIFYs it, a held job finishes, or the
 * backstop poll fires. Two timers run beside it: the heartbeat extends the leases it holds
 * (and aborts a job whose lease was lost), and the reaper returns other workers' expired jobs.
 */
export class ClaimLoop {
  state: LoopState = "starting";
  readonly done: Promise<void>;
  readonly #props: ClaimLoopProps;
  readonly #log: Logger;
  readonly #held = new Map<string, Held>();
  // Claimed (leased, `running` in Postgres) but not started: the prefetch queue.
  #waiting: WorkerJob[] = [];
  #unlisten: () => void = () => {};
  // A NOTIFY that arrives while the loop is claiming must not be lost: remember it.
  #woken = false;
  // Jobs the queueing NOTIFYs named, and whether the next claim may take them by id.
  readonly #announced: AnnouncedWork;
  #endSleep: () => void = () => {};
  #timers: NodeJS.Timeout[] = [];
  #markDone: () => void = () => {};
  // Stage chaining (INTAKE_STAGE_CHAINING): a stage that ends hands the next one to this worker
  // when it runs that stage too, its dependency is up and the loop is not stopping.
  readonly #chain: StageRun["chain"];

  constructor(props: ClaimLoopProps) {
    this.#props = props;
    const { worker } = props.deps.config;
    this.#chain = worker.chainStages
      ? {
          workerId: props.workerId,
          leaseSeconds: worker.leaseSeconds,
          defaultCap: worker.tenantMaxRunningPerStage,
          serves: (stage) =>
            props.stages.includes(stage) && !this.#dependencyOpen(stage) && !this.#stopping(),
        }
      : undefined;
    this.#log = props.deps.logger.child({ workerId: props.workerId });
    this.#announced = new AnnouncedWork(props.pollIntervalMs, worker.tenantMaxRunningPerStage === null);
    this.done = new Promise((resolve) => {
      this.#markDone = resolve;
    });
  }

  async start(): Promise<void> {
    const { stages } = this.#props;
    this.#unlisten = await this.#props.listener.listen(QUEUE_CHANNEL, {
      onNotify: (payload) => {
        const notice = parseQueueNotice(payload);
        if (!stages.includes(notice.stage as JobStage)) return;
        this.#announced.announce(notice.jobIds);
        this.wake();
      },
      // NOTIFYs sent while the connection was down are gone; queued work may be waiting. The
      // registration names the new connection's backend, by which other workers tell we live.
      onReconnect: () => {
        void this.#register();
        this.#announced.announce([]);
        this.wake();
      },
    });
    await this.#register();
    // Jobs of workers that died (all of them, after a crash of everything) go back at once.
    await this.#reap();
    const leaseMs = this.#props.deps.config.worker.leaseSeconds * 1000;
    const cadence = Math.max(200, leaseMs / 3);
    this.#timers = [
      setInterval(() => void this.#heartbeat(), cadence),
      setInterval(() => void this.#reap(), cadence),
    ];
    void this.#loop().finally(() => this.#markDone());
  }

  wake(): void {
    this.#woken = true;
    this.#endSleep();
  }

  /** Stops claiming, waits for held jobs up to `graceMs`, releases the rest, and resolves. */
  async stop(graceMs = 10_000): Promise<void> {
    this.state = "stopping";
    this.wake();
    await this.done;
    // Prefetched jobs never started: they go back at once, with their attempt not spent.
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const job of waiting) {
      await releaseJob(this.#props.deps.db, fenceOf(job, this.#props.workerId), "worker shut down").catch(
        () => {},
      );
    }
    const pending = [...this.#held.values()];
    const timeout = new Promise((r) => setTimeout(r, graceMs).unref());
    await Promise.race([Promise.allSettled(pending.map((h) => h.promise)), timeout]);
    // Release first, then abort: the aborted handler's failure path then finds the lease gone
    // and writes nothing, instead of spending the attempt it was interrupted in.
    for (const h of this.#held.values()) {
      await releaseJob(this.#props.deps.db, fenceOf(h.job, this.#props.workerId), "worker shut down").catch(
        () => {},
      );
      h.abort.abort(new Error("worker shutting down"));
    }
    await Promise.allSettled(pending.map((h) => h.promise));
    for (const t of this.#timers) clearInterval(t);
    await unregisterWorker(this.#props.deps.db, this.#props.workerId).catch(() => {});
    this.#unlisten();
    await this.#props.deps.parser.close();
    this.state = "stopped";
  }

  async #loop(): Promise<void> {
    const { deps, workerId, concurrency } = this.#props;
    const leaseSeconds = deps.config.worker.leaseSeconds;
    while (!this.#stopping()) {
      this.state = "claiming";
      this.#woken = false;
      const free = concurrency + (this.#props.prefetch ?? 0) - this.#held.size - this.#waiting.length;
      const stages = this.#props.stages.filter((s) => !this.#dependencyOpen(s));
      const claimedAt = Date.now();
      const how = this.#announced.next(free, stages, claimedAt);
      let claimed: WorkerJob[] = [];
      if (how !== "idle") {
        const opts = {
          workerId,
          stages,
          leaseSeconds,
          maxRunningPerStage: deps.config.worker.tenantMaxRunningPerStage,
        };
        const db = this.#props.claimDb ?? deps.db;
        const by = how === "search" ? "search" : "id";
        try {
          if (how === "search") {
            claimed = await claimJobs(db, { ...opts, limit: free });
            this.#announced.searched(claimed, free, stages, claimedAt);
          } else {
            claimed = await claimAnnouncedJobs(db, { ...opts, jobIds: how });
            this.#announced.claimedById(claimed, how);
          }
          deps.metrics.claims.inc({ by });
          deps.metrics.claimedJobs.inc({ by }, claimed.length);
        } catch (err) {
          this.#announced.failed();
          this.#log.warn({ err }, "claim failed; retrying after the poll interval");
        }
        this.#waiting.push(...claimed);
        this.#startWaiting();
      }
      if (claimed.length > 0 && claimed.length === free) continue;
      if (this.#woken || this.#announced.pending || this.#stopping()) continue;
      this.state = "sleeping";
      await new Promise<void>((resolve) => {
        // The backstop poll, due one poll interval after the last search, however many claims
        // by id came between.
        const timer = setTimeout(resolve, this.#announced.sleepMs(Date.now()));
        this.#endSleep = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#endSleep = () => {};
    }
  }

  // A method, not a comparison in place: `stop()` changes the state while the loop awaits.
  #stopping(): boolean {
    return this.state === "stopping";
  }

  #dependencyOpen(stage: JobStage): boolean {
    const { deps } = this.#props;
    return STAGE_DEPENDENCIES[stage].some((d) => (d === "storage" ? deps.store : deps.embedder).isOpen);
  }

  #startWaiting(): void {
    while (this.#held.size < this.#props.concurrency && this.#waiting.length > 0 && !this.#stopping()) {
      this.#run(this.#waiting.shift()!);
    }
  }

  #run(first: WorkerJob): void {
    const { deps } = this.#props;
    if (first.stage === "parse" && first.attempt === 1 && first.uploaded_at) {
      deps.metrics.pickupLatency.observe((Date.now() - first.uploaded_at.getTime()) / 1000);
    }
    const held: Held = { job: first, abort: new AbortController(), promise: Promise.resolve() };
    held.promise = (async () => {
      try {
        let next = await this.#runStage(held);
        // A stage chained to this worker runs here, in the same slot: no release, no claim.
        while (next) {
          held.job = next;
          held.abort = new AbortController();
          next = await this.#runStage(held);
        }
      } finally {
        this.#held.delete(first.id);
        this.#startWaiting();
        this.wake();
      }
    })();
    this.#held.set(first.id, held);
  }

  /** Runs `held`'s current stage; resolves with the job if its next stage was chained here. */
  async #runStage(held: Held): Promise<WorkerJob | undefined> {
    const { deps, workerId, handlers } = this.#props;
    const { job, abort } = held;
    const fence = fenceOf(job, workerId);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    // The signal and the job's logger are made when first read: Node builds an AbortSignal (an
    // EventTarget) on the first read of `signal`, and a pino child serializes its bindings, which
    // together were a tenth of a worker's CPU in the no-op throughput case, where neither is read.
    let log: Logger | undefined;
    const logger = () => {
      log ??= this.#log.child({ jobId: job.id, tenant: job.tenant_id, stage: job.stage });
      return log;
    };
    const run: StageRun = {
      job,
      fence,
      get signal() {
        return abort.signal;
      },
      get logger() {
        return logger();
      },
      chain: this.#chain,
    };
    try {
      await handlers[job.stage](deps, run);
      deps.metrics.stageDuration.observe({ stage: job.stage, outcome: "ok" }, seconds());
      if (job.stage === "embed" && job.uploaded_at) {
        deps.metrics.endToEndLatency.observe((Date.now() - job.uploaded_at.getTime()) / 1000);
      }
      return run.chained;
    } catch (err) {
      deps.metrics.stageDuration.observe({ stage: job.stage, outcome: "error" }, seconds());
      await settleFailure(deps, job, fence, err, logger());
      return undefined;
    }
  }

  async #heartbeat(): Promise<void> {
    const { deps, workerId } = this.#props;
    try {
      const jobs = [...[...this.#held.values()].map((h) => h.job), ...this.#waiting];
      const sent = new Map(jobs.map((job) => [job.id, job]));
      const leases = jobs.map((job) => ({ id: job.id, attempt: job.attempt }));
      const lost = await extendLeases(deps.db, workerId, leases, deps.config.worker.leaseSeconds);
      for (const id of lost) {
        const held = this.#held.get(id);
        // Not a stage chained meanwhile: that one's lease is new, and this answer is about the old.
        if (held && held.job === sent.get(id)) held.abort.abort(new Error("lease lost"));
      }
      // A prefetched job whose lease was lost (taken back as expired) is not started.
      const gone = new Set(lost);
      this.#waiting = this.#waiting.filter((job) => !gone.has(job.id));
      // Judged dead by another worker (a long pause): register again, with what we still hold.
      if (!(await heartbeatWorker(deps.db, workerId))) await this.#register();
    } catch (err) {
      this.#log.warn({ err }, "heartbeat failed");
    }
  }

  async #register(): Promise<void> {
    const pid = this.#props.listener.backendPid;
    if (pid === undefined) return;
    try {
      await registerWorker(this.#props.deps.db, this.#props.workerId, pid);
    } catch (err) {
      this.#log.warn({ err }, "registering the worker failed; its leases still expire on their own");
    }
  }

  async #reap(): Promise<void> {
    const { db, config } = this.#props.deps;
    try {
      const dead = await expireDeadWorkersLeases(db, config.worker.leaseSeconds);
      if (dead.length > 0) this.#log.info({ workers: dead }, "returning the jobs of workers found dead");
      await releaseExpiredLeases(db);
    } catch (err) {
      this.#log.warn({ err }, "reaping expired leases failed");
    }
  }
}
