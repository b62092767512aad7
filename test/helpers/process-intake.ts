import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The launcher, as operators run it: it exec's Node with intake's memory flags (same PID).
const BIN = fileURLToPath(new URL("../../bin/intake", import.meta.url));

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

/** An `intake serve` or `intake worker` child process, with its JSON log lines kept for assertions. */
export interface IntakeProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logs: LogLine[];
  /** stderr and non-JSON stdout, for diagnosing a child that died. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line (past or future) matching `predicate`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const MAX_KEPT_LINES = 5000;

export function spawnIntake(
  name: string,
  args: string[],
  env: Record<string, string>,
  opts: { bin?: string; cwd?: string } = {},
): IntakeProcess {
  const child = spawn(opts.bin ?? BIN, args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    cwd: opts.cwd,
  });
  const logs: LogLine[] = [];
  let raw = "";
  let partial = "";
  const waiters = new Set<{ predicate: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  child.stdout!.setEncoding("utf8").on("data", (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        raw = (raw + line + "\n").slice(-20_000);
        continue;
      }
      logs.push(parsed);
      if (logs.length > MAX_KEPT_LINES) logs.splice(0, logs.length - MAX_KEPT_LINES);
      for (const w of waiters) {
        if (w.predicate(parsed)) {
          waiters.delete(w);
          w.resolve(parsed);
        }
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (text: string) => {
    raw = (raw + text).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const proc: IntakeProcess = {
    name,
    child,
    pid: child.pid!,
    logs,
    output: () => raw,
    exited,
    waitForLog(predicate, timeoutMs) {
      const found = logs.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = {
          predicate,
          resolve: (l: LogLine) => {
            clearTimeout(timer);
            resolve(l);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${name}: no matching log line within ${timeoutMs} ms\n${raw.slice(-2000)}`));
        }, timeoutMs);
        waiters.add(w);
        void exited.then(({ code, signal }) => {
          if (!waiters.has(w)) return;
          waiters.delete(w);
          clearTimeout(timer);
          reject(
            new Error(`${name} exited (${code ?? signal}) before the awaited log line\n${raw.slice(-2000)}`),
          );
        });
      });
    },
    async kill(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
  return proc;
}

/** Starts `intake worker` and resolves once its claim loop is running. */
export async function startWorkerProcess(
  name: string,
  env: Record<string, string>,
  opts: { stages?: string; concurrency?: number; timeoutMs?: number } = {},
): Promise<IntakeProcess> {
  const args = ["worker", "--concurrency", String(opts.concurrency ?? 4)];
  if (opts.stages) args.push("--stages", opts.stages);
  const proc = spawnIntake(name, args, { LOG_LEVEL: "info", ...env });
  await proc.waitForLog((l) => l.msg === "worker started", opts.timeoutMs ?? 30_000);
  return proc;
}

/** Starts `intake serve` on `port` and resolves once /healthz answers. */
export async function startServeProcess(
  name: string,
  env: Record<string, string>,
  port: number,
  timeoutMs = 30_000,
): Promise<IntakeProcess> {
  const proc = spawnIntake(name, ["serve"], { LOG_LEVEL: "info", ...env, PORT: String(port) });
  await proc.waitForLog((l) => l.msg === "API listening", timeoutMs);
  return proc;
}

/**
 * Peak resident set size of a live process in MiB, from the kernel's VmHWM ("high water mark")
 * in /proc/<pid>/status; null once the process is gone.
 */
export function peakRssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}
