import { readdirSync, readFileSync } from "node:fs";

// Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every platform Node runs on.
const TICKS_PER_S = 100;

interface Proc {
  ppid: number;
  comm: string;
  ticks: number;
}

/** CPU seconds (user + system) `pid` has used so far. */
export function cpuSecondsOf(pid: number): number {
  return readProc(pid).ticks / TICKS_PER_S;
}

function readProc(pid: number): Proc {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // comm is parenthesised and may hold spaces: the fields after it start past the last ')'.
  const close = stat.lastIndexOf(")");
  const comm = stat.slice(stat.indexOf("(") + 1, close);
  const f = stat.slice(close + 2).split(" ");
  return { ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) };
}

function readProcs(): Map<number, Proc> {
  const procs = new Map<number, Proc>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      procs.set(Number(name), readProc(Number(name)));
    } catch {
      // exited while listed
    }
  }
  return procs;
}

/** CPU seconds (user + system) of this process's descendants, per process, right now. */
export function cpuSnapshot(): Map<number, Proc> {
  const all = readProcs();
  const mine = new Map<number, Proc>();
  const walk = (pid: number) => {
    for (const [child, p] of all) {
      if (p.ppid !== pid || mine.has(child)) continue;
      mine.set(child, p);
      walk(child);
    }
  };
  walk(process.pid);
  return mine;
}

/**
 * CPU seconds each part used between two snapshots, grouped by `label(pid, comm)` (e.g. the
 * serve and worker pids by name, the rest by command: postgres, minio). A process that exited
 * before `after` is missing (short-lived Postgres backends); one started since counts from 0.
 */
export function cpuBetween(
  before: Map<number, Proc>,
  after: Map<number, Proc>,
  label: (pid: number, comm: string) => string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, p] of after) {
    const was = before.get(pid);
    const ticks = p.ticks - (was && was.comm === p.comm ? was.ticks : 0);
    const key = label(pid, p.comm);
    out[key] = (out[key] ?? 0) + ticks / TICKS_PER_S;
  }
  return out;
}
