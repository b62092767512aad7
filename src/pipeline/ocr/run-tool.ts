import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { OcrError } from "./errors.js";

export interface RunToolOptions {
  /** The child's process group is killed after this long; the call rejects with `ocr_timeout`. */
  timeoutMs: number;
  /** Aborting kills the child's process group; the call rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** More stdout than this kills the child; the call rejects with `too_complex`. */
  maxStdoutBytes: number;
  /** Set on the error of a timeout or a failure. */
  page?: number | undefined;
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

export interface ToolOutput {
  stdout: Buffer;
  stderr: string;
}

/** The exit of a tool that ran to its end with a status other than 0. */
export class ToolExitError extends OcrError {
  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    readonly exitSignal: NodeJS.Signals | null,
    readonly stderr: string,
    page: number | undefined,
  ) {
    const how = exitSignal ? `was killed by ${exitSignal}` : `exited with status ${exitCode}`;
    super("ocr_failed", `${tool} ${how}: ${lastLine(stderr)}`, { page });
  }
}

const STDERR_TAIL_BYTES = 4096;

/** Process groups of children still running, killed when this process or thread exits. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Runs a command-line tool to its end and returns its bounded stdout. The child never outlives
 * its budget, its caller or its creator:
 * - it leads its own process group (`detached`), and every kill is of the group, so whatever it
 *   starts dies with it;
 * - a timeout, an abort or too much output SIGKILLs the group, and the call settles only once
 *   the child has exited, so the caller may remove its files at once;
 * - through util-linux's `setpriv --pdeathsig KILL`, the kernel SIGKILLs the child when the thread
 *   that spawned it ends. That covers what no JavaScript can: a parse thread terminated by the
 *   sandbox (terminate() runs no more JS in it) and a worker killed with SIGKILL.
 *   PR_SET_PDEATHSIG follows the creating *thread*, which is exactly the sandbox's unit;
 * - an `exit` handler kills any group still live when the process or thread exits normally.
 */
export function runTool(
  command: string,
  args: readonly string[],
  options: RunToolOptions,
): Promise<ToolOutput> {
  options.signal?.throwIfAborted();
  installExitHook();
  const executable = findExecutable(command);
  if (executable === undefined) {
    return Promise.reject(new OcrError("ocr_unavailable", `${command} is not installed (not found on PATH)`));
  }
  const argv = [...guards(options.timeoutMs), executable, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return supervise(child, command, options);
}

/**
 * util-linux wrappers that exec the tool in place (no extra process): `setpriv --pdeathsig KILL`
 * (see runTool), and `prlimit --cpu`, a kernel-enforced CPU limit of the budget plus a second,
 * so that even a child that escaped every other kill (its creator died between fork and
 * setpriv's prctl) ends by itself. Skipped where util-linux is missing.
 */
function guards(timeoutMs: number): string[] {
  const argv: string[] = [];
  const setpriv = findExecutable("setpriv");
  if (setpriv) argv.push(setpriv, "--pdeathsig", "KILL", "--");
  const prlimit = findExecutable("prlimit");
  const cpuSeconds = Math.ceil(timeoutMs / 1000) + 1;
  if (prlimit) argv.push(prlimit, `--cpu=${cpuSeconds}:${cpuSeconds}`, "--");
  return argv;
}

function supervise(child: ChildProcess, tool: string, options: RunToolOptions): Promise<ToolOutput> {
  const group = child.pid;
  if (group !== undefined) liveGroups.add(group);
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  let stderr = "";
  let failure: unknown;

  return new Promise<ToolOutput>((resolve, reject) => {
    const stop = (reason: unknown) => {
      failure ??= reason;
      killGroup(group);
    };
    const timer = setTimeout(
      () =>
        stop(
          new OcrError(
            "ocr_timeout",
            `${tool} needed more than the per-page budget of ${options.timeoutMs} ms`,
            {
              page: options.page,
            },
          ),
        ),
      options.timeoutMs,
    );
    const onAbort = () => stop(options.signal?.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout?.on("data", (piece: Buffer) => {
      stdoutBytes += piece.length;
      if (stdoutBytes > options.maxStdoutBytes) {
        stop(
          new OcrError("too_complex", `${tool} wrote more than ${options.maxStdoutBytes} bytes`, {
            page: options.page,
          }),
        );
      } else stdout.push(piece);
    });
    child.stderr?.on("data", (piece: Buffer) => {
      stderr = (stderr + piece.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    child.once("error", (err: NodeJS.ErrnoException) => {
      // spawn failed (no child): nothing to wait for.
      settle();
      reject(err.code === "ENOENT" ? new OcrError("ocr_unavailable", `${tool} could not be started`) : err);
    });
    // "close", not "exit": stdout and stderr are drained by then.
    child.once("close", (code, signal) => {
      settle();
      if (failure !== undefined) reject(failure);
      else if (code === 0) resolve({ stdout: Buffer.concat(stdout), stderr });
      else reject(new ToolExitError(tool, code, signal, stderr, options.page));
    });

    function settle() {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (group !== undefined) liveGroups.delete(group);
    }
  });
}

function killGroup(group: number | undefined): void {
  if (group === undefined) return;
  try {
    process.kill(-group, "SIGKILL");
  } catch {
    // ESRCH: the group is gone already.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const group of liveGroups) killGroup(group);
  });
}

const executables = new Map<string, string>();

/** The absolute path of `name` on PATH; a found one is remembered, a missing one looked up again. */
export function findExecutable(name: string): string | undefined {
  const known = executables.get(name);
  if (known !== undefined) return known;
  let found: string | undefined;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      found = candidate;
      break;
    } catch {
      // not here
    }
  }
  if (found !== undefined) executables.set(name, found);
  return found;
}

function lastLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  return lines[lines.length - 1]?.slice(0, 300) || "(no message)";
}
