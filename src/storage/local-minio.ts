import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const minioDir = fileURLToPath(new URL("../../minio/", import.meta.url));

/** Path of the built MinIO binary, or null when `minio/build.sh` has not built it yet. */
export async function findMinioBinary(): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)("bash", [`${minioDir}build.sh`, "--check"]);
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

export interface LocalMinioProps {
  port: number;
  dataDir: string;
  accessKeyId: string;
  secretAccessKey: string;
  webhook?: { url: string; token: string };
  onLog?: (line: string) => void;
}

export interface LocalMinio {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts MinIO through `minio/start.sh` and resolves once its liveness probe answers. */
export async function startLocalMinio(props: LocalMinioProps): Promise<LocalMinio> {
  const args = [`${minioDir}start.sh`, "--port", String(props.port), "--data", props.dataDir];
  if (props.webhook) args.push("--webhook", props.webhook.url);
  // Secrets through the environment, never argv (readable by every local user in ps).
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    INTAKE_MINIO_USER: props.accessKeyId,
    INTAKE_MINIO_PASSWORD: props.secretAccessKey,
    ...(props.webhook ? { INTAKE_MINIO_WEBHOOK_TOKEN: props.webhook.token } : {}),
  };
  const child = spawn("bash", args, { stdio: ["ignore", "pipe", "pipe"], env });
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once("error", (err) => reject(new Error(`cannot run minio/start.sh: ${err.message}`))),
  );
  let output = "";
  const collect = (b: Buffer) => {
    output += b.toString();
    props.onLog?.(b.toString());
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const endpoint = `http://127.0.0.1:${props.port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`MinIO exited with code ${code}: ${output.trim()}`))),
  );
  await Promise.race([waitForHttp(`${endpoint}/minio/health/live`, 30_000), exited, spawnFailed]);
  return {
    endpoint,
    process: child,
    stop: () => stopChild(child),
  };
}

export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM, then SIGKILL if the process has not exited within 5 s. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
