import { spawn } from "node:child_process";

// The probe runs in its own process: a probe on the test's own event loop would be stalled by
// the very blocking it is meant to measure, and would report nothing.
const PROBE = `
const url = process.argv[1], every = Number(process.argv[2]);
const times = [];
let stopping = false;
process.on("message", () => { stopping = true; });
(async () => {
  while (!stopping) {
    const t = performance.now();
    try { await fetch(url, { signal: AbortSignal.timeout(30000) }); times.push(performance.now() - t); }
    catch { times.push(30000); }
    await new Promise((r) => setTimeout(r, every));
  }
  process.send(times, () => process.exit(0));
})();
`;

export interface LatencyProbe {
  /** Stops probing and returns every request's latency in ms, in order. */
  stop(): Promise<number[]>;
}

/** GETs `url` every `everyMs` from a child process until stopped. */
export function startLatencyProbe(url: string, everyMs = 20): LatencyProbe {
  const child = spawn(process.execPath, ["-e", PROBE, url, String(everyMs)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const result = new Promise<number[]>((resolve, reject) => {
    child.once("message", (m) => resolve(m as number[]));
    child.once("exit", (code) => reject(new Error(`latency probe exited with ${code} before reporting`)));
  });
  return {
    stop() {
      child.send("stop");
      return result;
    },
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
