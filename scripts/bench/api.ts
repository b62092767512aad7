import { loadConfig, resolvedConfig } from "../../src/config/index.js";
import { freePort } from "../../test/helpers/free-port.js";
import { startServeProcess } from "../../test/helpers/process-intake.js";
import { API_KEY, intakeEnv, type Stack } from "../../test/support/stack.js";
import { forkTs } from "../lib/ts-child.js";
import { cpuProfileEnv, mainThreadProfile } from "./cpu-profile-top.js";
import { cpuBetween, cpuSnapshot } from "./cpu-tree.js";

export interface ApiResult {
  uploads: number;
  errors: number;
  seconds: number;
  rate: number;
  apiMs: number[];
  flowMs: number[];
  /** CPU ms per upload, by process: serve, postgres, minio, the load generator. */
  cpuMsPerUpload: Record<string, number>;
}

export interface ApiRun {
  intake: ApiResult;
  /** The same load generator doing presigned PUT + HEAD straight to MinIO, no intake. */
  storage: ApiResult;
  /** The server's main-thread .cpuprofile, when asked for, and where intake's load is in it. */
  cpuProfile?: { file: string; window: { fromEndMs: number; toEndMs: number } };
}

type Msg = { type: string } & Partial<
  Omit<ApiResult, "rate"> & { ok: number; errorCount: number; errors: string[] }
>;

/**
 * `intake serve` as a child; the load generator in a second child; MinIO real. The bare-storage
 * reference runs first, on the bucket intake serve has set up, while the server idles.
 * `cpuProfileDir` makes the server write a V8 CPU profile there when it exits.
 */
export async function measureApi(
  stack: Stack,
  opts: { concurrency: number; durationMs: number; cpuProfileDir?: string },
): Promise<ApiRun> {
  const url = await stack.createDatabase("bench_api");
  const port = await freePort();
  const bucket = "bench-api";
  const env = intakeEnv(stack, url, bucket, { INTAKE_RECONCILE_INTERVAL_MS: "600000" });
  if (opts.cpuProfileDir) Object.assign(env, await cpuProfileEnv(opts.cpuProfileDir));
  const server = await startServeProcess("serve", env, port);
  let exited = false;
  try {
    const s3 = resolvedConfig(loadConfig(env)).s3;
    const storage = await runLoad(server.pid, port, opts, {
      endpoint: s3.endpoint,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      bucket,
    });
    const intake = await runLoad(server.pid, port, opts);
    const stopping = performance.now();
    await server.kill("SIGTERM");
    exited = true;
    // The profile ends at exit: intake's load is the stretch before the shutdown, which keeps
    // start-up (module compilation) and the idle reference phase out of the summary.
    const shutdownMs = performance.now() - stopping;
    let cpuProfile: ApiRun["cpuProfile"];
    const file = opts.cpuProfileDir && (await mainThreadProfile(opts.cpuProfileDir));
    if (file) {
      cpuProfile = {
        file,
        window: { fromEndMs: shutdownMs + intake.seconds * 1000, toEndMs: shutdownMs },
      };
    }
    return { intake, storage, cpuProfile };
  } finally {
    if (!exited) await server.kill("SIGTERM");
  }
}

async function runLoad(
  serverPid: number,
  port: number,
  opts: { concurrency: number; durationMs: number },
  storage?: Record<string, string>,
): Promise<ApiResult> {
  const cpu0 = cpuSnapshot();
  const load = forkTs<Msg>(new URL("./api-load-child.ts", import.meta.url), [
    `http://127.0.0.1:${port}`,
    API_KEY,
    String(opts.concurrency),
    String(opts.durationMs),
    ...(storage ? [JSON.stringify(storage)] : []),
  ]);
  const r = await load.next((m): m is Msg => m.type === "result", opts.durationMs + 60_000);
  // Taken before the generator exits, so that its own CPU time is still readable.
  const cpu = cpuBetween(cpu0, cpuSnapshot(), (pid, comm) =>
    pid === serverPid ? "serve" : pid === load.child.pid ? "load generator" : comm,
  );
  await load.exited;
  const what = storage ? "api (storage reference)" : "api";
  if (r.errorCount) console.error(`${what}: ${r.errorCount} failed uploads, e.g. ${r.errors?.join(" | ")}`);
  return {
    uploads: r.ok!,
    errors: r.errorCount!,
    seconds: r.seconds!,
    rate: r.ok! / r.seconds!,
    apiMs: r.apiMs!,
    flowMs: r.flowMs!,
    cpuMsPerUpload: Object.fromEntries(
      Object.entries(cpu)
        .filter(([, s]) => s > 0)
        .map(([k, s]) => [k, (s * 1000) / Math.max(1, r.ok!)]),
    ),
  };
}
