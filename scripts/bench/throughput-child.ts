// A worker process for the throughput and pickup cases: intake's runtime with a no-op stage
// handler (plain commitStage, or the batched completion), or graphile-worker with a no-op task.
// It reports {type:"ready"} over IPC and stops on {type:"stop"}.
import { Logger, run } from "graphile-worker";
import { loadConfig, resolvedConfig } from "../../src/config/index.js";
import { createDb } from "../../src/db/database.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { createObjectStore } from "../../src/storage/create-object-store.js";
import { createStageDeps } from "../../src/worker/deps.js";
import { startWorker } from "../../src/worker/runtime.js";
import { commitStage, type StageHandler } from "../../src/worker/stage.js";

export type ThroughputSystem = "intake" | "intake-batched" | "graphile" | "graphile-batched";

const [system, concurrencyArg] = process.argv.slice(2) as [ThroughputSystem, string];
const concurrency = Number(concurrencyArg);
const url = process.env.DATABASE_URL!;
const send = (m: unknown) => process.send?.(m);

async function startIntake(batched: boolean) {
  const config = resolvedConfig(loadConfig({ ...process.env, LOG_LEVEL: "silent" }));
  const db = createDb({ connectionString: url, max: 20 });
  const store = createObjectStore(config.s3);
  const deps = createStageDeps({ config, db, store, logger: silentLogger, metrics: new Metrics() });
  const noop: StageHandler = batched
    ? (_deps, r) => deps.completions.complete(r.job, r.fence)
    : async (d, r) => {
        await commitStage(d, r, async () => undefined);
      };
  const worker = await startWorker({
    deps,
    databaseUrl: url,
    stages: ["parse"],
    concurrency,
    handlers: { parse: noop },
  });
  return async () => {
    await worker.stop();
    await db.destroy();
    store.destroy();
  };
}

async function startGraphile(batched: boolean) {
  const runner = await run({
    connectionString: url,
    concurrency,
    noHandleSignals: true,
    pollInterval: 2000,
    maxPoolSize: Math.max(10, concurrency + 2),
    logger: new Logger(() => () => {}),
    taskList: { noop: async () => {} },
    // graphile-worker's documented batching: a local queue of locked jobs and batched completion.
    preset: batched
      ? { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } }
      : {},
  });
  return () => runner.stop();
}

const stop =
  system === "intake" || system === "intake-batched"
    ? await startIntake(system === "intake-batched")
    : await startGraphile(system === "graphile-batched");
send({ type: "ready" });
process.on("message", (m: { type: string }) => {
  if (m.type !== "stop") return;
  void stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
