import { spawn } from "node:child_process";

export interface CommandOptions {
  timeoutMs: number;
  cwd?: string;
  stdin?: string;
  env?: NodeJS.ProcessEnv;
}

export interface CommandResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs `command` without a shell and collects its output. On timeout the whole process group is
 * killed: soffice and markitdown start helpers that would otherwise outlive the parent.
 */
export function runCommand(command: string, args: string[], options: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    }, options.timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8"), timedOut });
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

/** Runs `command` and returns its stdout; throws with the last line of stderr if it fails. */
export async function commandOutput(
  command: string,
  args: string[],
  options: CommandOptions,
): Promise<Buffer> {
  const result = await runCommand(command, args, options);
  if (result.timedOut) throw new Error(`${command} timed out after ${options.timeoutMs / 1000} s`);
  if (result.code !== 0) throw new Error(`${command} exited ${result.code}: ${lastLine(result.stderr)}`);
  return result.stdout;
}

export function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return (lines[lines.length - 1] ?? "").slice(0, 300);
}
