import { freePort } from "../../test/helpers/free-port.js";
import { startServeProcess } from "../../test/helpers/process-intake.js";
import { API_KEY, intakeEnv, type Stack } from "../../test/support/stack.js";
import { forkTs } from "../lib/ts-child.js";

export interface ApiResult {
  uploads: number;
  errors: number;
  seconds: number;
  rate: number;
  apiMs: number[];
  flowMs: number[];
}

type Msg = { type: string } & Partial<
  Omit<ApiResult, "rate"> & { ok: number; errorCount: number; errors: string[] }
>;

/** `intake serve` as a child; the load generator in a second child; MinIO real. */
export async function measureApi(
  stack: Stack,
  opts: { concurrency: number; durationMs: number },
): Promise<ApiResult> {
  const url = await stack.createDatabase("bench_api");
  const port = await freePort();
  const server = await startServeProcess(
    "serve",
    intakeEnv(stack, url, "bench-api", { INTAKE_RECONCILE_INTERVAL_MS: "600000" }),
    port,
  );
  try {
    const load = forkTs<Msg>(new URL("./api-load-child.ts", import.meta.url), [
      `http://127.0.0.1:${port}`,
      API_KEY,
      String(opts.concurrency),
      String(opts.durationMs),
    ]);
    const r = await load.next((m): m is Msg => m.type === "result", opts.durationMs + 60_000);
    await load.exited;
    if (r.errorCount) console.error(`api: ${r.errorCount} failed uploads, e.g. ${r.errors?.join(" | ")}`);
    return {
      uploads: r.ok!,
      errors: r.errorCount!,
      seconds: r.seconds!,
      rate: r.ok! / r.seconds!,
      apiMs: r.apiMs!,
      flowMs: r.flowMs!,
    };
  } finally {
    await server.kill("SIGTERM");
  }
}
