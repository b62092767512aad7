import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

/** A TypeScript child (run through tsx) that talks to its parent over IPC. */
export interface TsChild<Out> {
  child: ChildProcess;
  /** Resolves with the first message that matches. */
  next<T extends Out>(predicate: (m: Out) => m is T, timeoutMs: number): Promise<T>;
  send(message: unknown): void;
  exited: Promise<number | null>;
}

export function forkTs<Out extends { type: string }>(
  file: string | URL,
  args: string[],
  env: Record<string, string> = {},
): TsChild<Out> {
  const path = typeof file === "string" ? file : fileURLToPath(file);
  const child = fork(path, args, {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const inbox: Out[] = [];
  const waiters = new Set<(m: Out) => boolean>();
  child.on("message", (m) => {
    const msg = m as Out;
    for (const w of waiters) if (w(msg)) return;
    inbox.push(msg);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    send: (m) => child.send(m as never),
    exited,
    next<T extends Out>(predicate: (m: Out) => m is T, timeoutMs: number) {
      const at = inbox.findIndex(predicate);
      if (at >= 0) return Promise.resolve(inbox.splice(at, 1)[0] as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${path}: no matching message within ${timeoutMs} ms`));
        }, timeoutMs);
        const w = (m: Out) => {
          if (!predicate(m)) return false;
          clearTimeout(timer);
          waiters.delete(w);
          resolve(m);
          return true;
        };
        waiters.add(w);
        void exited.then((code) => {
          if (!waiters.has(w)) return;
          waiters.delete(w);
          clearTimeout(timer);
          reject(new Error(`${path} exited with ${code} before the awaited message`));
        });
      });
    },
  };
}
