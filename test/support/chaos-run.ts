import { sql } from "kysely";
import { createDb, type Db } from "../../src/db/database.js";
import { freePort } from "../helpers/free-port.js";
import { type IntakeProcess, startServeProcess, startWorkerProcess } from "../helpers/process-intake.js";
import { uploadPatiently } from "./chaos-uploader.js";
import { corpusDocument, prose } from "./corpus.js";
import { API_KEY, intakeEnv, type Stack, startStack } from "./stack.js";

export interface ChaosPlan {
  jobs: number;
  apis: number;
  workers: number;
  /** SIGKILL a random worker (and start a replacement) every this many ms; 0: never. */
  killWorkerEveryMs: number;
  /** SIGKILL one random worker (and start a replacement) once this fraction of uploads has started. */
  killWorkerAt?: number | null;
  /** SIGKILL one API process once this fraction of uploads has started; null: never. */
  killApiAt: number | null;
  /** Stop MinIO for this long once this fraction of uploads has started. */
  minioOutage: { at: number; ms: number } | null;
  /** Restart Postgres once this fraction of uploads has started. */
  restartPostgresAt: number | null;
  /** Bound on the whole run, faults and recovery included. */
  timeoutMs: number;
  log?: (message: string) => void;
}

export interface ChaosReport {
  jobs: number;
  byStatus: Record<string, number>;
  errorCodes: Record<string, number>;
  lost: number;
  duplicateJobs: number;
  badOutputs: string[];
  faults: string[];
  /** Restarts the supervisor attempted that failed (the process exited during start-up). */
  startFailures: string[];
  /** Children that exited without being killed by the run (a crash the lead should look at). */
  unexpectedExits: string[];
  uploadRetries: number;
  uploadFailures: string[];
  seconds: number;
  /** From the end of the last fault to the last job reaching a terminal state. */
  recoverySeconds: number;
}

const TERMINAL = ["completed", "failed", "expired", "cancelled"];

/** Small, unique documents of every type, so the run exercises each parser and stays quick. */
function chaosDocument(i: number) {
  if (i % 5 === 0 || i % 5 === 3 || i % 5 === 4) return corpusDocument(i);
  return {
    filename: `c${i}.${i % 5 === 1 ? "md" : "html"}`,
    contentType: i % 5 === 1 ? "text/markdown" : "text/html",
    body: new TextEncoder().encode(
      i % 5 === 1 ? `# Doc ${i}\n\n${prose(i, 80)}` : `<html><body><p>${prose(i, 80)}</p></body></html>`,
    ),
  };
}

/**
 * `plan.jobs` uploads through separate `intake serve` and `intake worker` processes while
 * workers are SIGKILLed, an API process is SIGKILLed mid-upload, MinIO is stopped and started
 * and Postgres is restarted; then waits (bounded) for every job to end and checks the rows.
 */
export async function runChaos(plan: ChaosPlan, existing?: Stack): Promise<ChaosReport> {
  const log = plan.log ?? (() => {});
  const stack = existing ?? (await startStack("intake-chaos"));
  const url = await stack.createDatabase("chaos");
  const env = intakeEnv(stack, url, "chaos", {
    LOG_LEVEL: "info",
    INTAKE_LEASE_SECONDS: "2",
    INTAKE_RETRY_BASE_MS: "50",
    INTAKE_RETRY_CAP_MS: "1000",
    INTAKE_BREAKER_RESET_MS: "500",
    INTAKE_MAX_ATTEMPTS: "10",
    INTAKE_RECONCILE_INTERVAL_MS: "500",
    INTAKE_RECONCILE_AFTER_SECONDS: "2",
    INTAKE_CHUNK_SIZE: "400",
    INTAKE_CHUNK_OVERLAP: "40",
  });
  const started = Date.now();
  const deadline = started + plan.timeoutMs;
  const faults: string[] = [];
  const unexpectedExits: string[] = [];
  const killed = new Set<IntakeProcess>();
  const watch = (p: IntakeProcess) => {
    void p.exited.then(({ code, signal }) => {
      if (killed.has(p)) return;
      // Node prints the throw site and "Emitted 'error' event on …" before the error's fields.
      const out = p.output();
      const at = Math.max(0, out.search(/^node:|Emitted 'error'|^\S*Error:/m));
      const when = ((Date.now() - started) / 1000).toFixed(1);
      unexpectedExits.push(
        `${when}s ${p.name} exited on its own (${code ?? signal}): ${out.slice(at, at + 1500)}`,
      );
    });
    return p;
  };
  const kill = async (p: IntakeProcess, signal: NodeJS.Signals) => {
    killed.add(p);
    await p.kill(signal);
  };

  const apiPorts = await Promise.all(Array.from({ length: plan.apis }, () => freePort()));
  const apis = new Map<number, IntakeProcess>();
  let apiSeq = 0;
  const startApi = async (port: number) =>
    apis.set(port, watch(await startServeProcess(`serve-${apiSeq++}`, env, port)));
  await Promise.all(apiPorts.map(startApi));
  const workers: IntakeProcess[] = [];
  let workerSeq = 0;
  const startWorker = async () => {
    workers.push(watch(await startWorkerProcess(`worker-${workerSeq++}`, env, { concurrency: 4 })));
  };
  await Promise.all(Array.from({ length: plan.workers }, startWorker));
  const liveApis = () =>
    [...apis.entries()]
      .filter(([, p]) => p.child.exitCode === null && !killed.has(p))
      .map(([port]) => `http://127.0.0.1:${port}`);

  const db = createDb({ connectionString: url, max: 2 });
  let faultsEnd = Date.now();
  let uploadRetries = 0;
  const uploadFailures: string[] = [];
  let begun = 0;
  const fired = new Set<string>();
  const fireAt = (name: string, at: number | null | undefined, fn: () => Promise<void>) => {
    if (at === null || at === undefined || fired.has(name) || begun < at * plan.jobs) return;
    fired.add(name);
    void fn().then(
      () => {
        faultsEnd = Date.now();
      },
      (err) => faults.push(`${name} failed: ${(err as Error).message}`),
    );
  };
  const pendingFaults: Promise<void>[] = [];
  const track = (p: Promise<void>) => {
    pendingFaults.push(p);
    return p;
  };

  // Like a process supervisor (systemd Restart=always): keep `plan.workers` workers and every
  // API port running, restarting what died or failed to start (say while MinIO or Postgres is down).
  let supervising = true;
  const startFailures: string[] = [];
  const supervisor = (async () => {
    while (supervising && Date.now() < deadline) {
      const alive = workers.filter(
        (w) => !killed.has(w) && w.child.exitCode === null && w.child.signalCode === null,
      );
      const jobs: Promise<unknown>[] = [];
      for (let i = alive.length; i < plan.workers; i++) jobs.push(startWorker());
      for (const [port, p] of apis) {
        if (p.child.exitCode !== null || p.child.signalCode !== null) jobs.push(startApi(port));
      }
      for (const r of await Promise.allSettled(jobs)) {
        if (r.status === "rejected")
          startFailures.push(
            String((r.reason as Error).message)
              .split("\n")
              .slice(0, 2)
              .join(" "),
          );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const killOneWorker = async () => {
    const alive = workers.filter((w) => !killed.has(w) && w.child.exitCode === null);
    const victim = alive[Math.floor(Math.random() * alive.length)];
    if (!victim) return;
    await kill(victim, "SIGKILL");
    faults.push(
      `${((Date.now() - started) / 1000).toFixed(1)}s SIGKILL ${victim.name} (the supervisor starts another)`,
    );
    faultsEnd = Date.now();
  };
  // Random worker kills for as long as uploads are going on.
  let uploading = true;
  const killer = (async () => {
    if (!plan.killWorkerEveryMs) return;
    while (uploading && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, plan.killWorkerEveryMs * (0.5 + Math.random())));
      if (!uploading) break;
      await killOneWorker();
    }
  })();

  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < plan.jobs) {
        const i = next++;
        begun++;
        fireAt("kill-worker", plan.killWorkerAt, () => track(killOneWorker()));
        fireAt("kill-api", plan.killApiAt, () =>
          track(
            (async () => {
              const [port, victim] = [...apis.entries()][0]!;
              await kill(victim, "SIGKILL");
              faults.push(`${((Date.now() - started) / 1000).toFixed(1)}s SIGKILL ${victim.name} mid-upload`);
              void port; // the supervisor restarts it on the same port
            })(),
          ),
        );
        fireAt("minio", plan.minioOutage?.at, () =>
          track(
            (async () => {
              await stack.stopMinio();
              faults.push(
                `${((Date.now() - started) / 1000).toFixed(1)}s MinIO stopped for ${plan.minioOutage!.ms} ms`,
              );
              await new Promise((r) => setTimeout(r, plan.minioOutage!.ms));
              await stack.startMinio();
              faults.push(`${((Date.now() - started) / 1000).toFixed(1)}s MinIO started`);
            })(),
          ),
        );
        fireAt("postgres", plan.restartPostgresAt, () =>
          track(
            (async () => {
              await stack.stopPostgres();
              faults.push(`${((Date.now() - started) / 1000).toFixed(1)}s Postgres stopped`);
              await stack.startPostgres();
              faults.push(`${((Date.now() - started) / 1000).toFixed(1)}s Postgres started`);
            })(),
          ),
        );
        try {
          ids.push(
            await uploadPatiently(
              liveApis,
              API_KEY,
              `chaos-${i}`,
              chaosDocument(i) as never,
              deadline,
              () => {
                uploadRetries++;
              },
            ),
          );
        } catch (err) {
          uploadFailures.push((err as Error).message.slice(0, 300));
        }
      }
    }),
  );
  uploading = false;
  await killer;
  await Promise.all(pendingFaults);
  log(`uploads done in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for every job to end`);

  // Every job that exists (also one whose client gave up) must end; poll until then (bounded).
  let rows: { id: string; status: string; idempotency_key: string | null; error_code: string | null }[] = [];
  for (;;) {
    rows = await db
      .selectFrom("jobs")
      .select(["id", "status", "idempotency_key", "error_code"])
      .execute()
      .catch(() => rows);
    if (rows.length >= ids.length && rows.every((r) => TERMINAL.includes(r.status))) break;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const recoverySeconds = (Date.now() - faultsEnd) / 1000;
  supervising = false;
  await supervisor;
  const report: ChaosReport = {
    jobs: plan.jobs,
    byStatus: count(rows.map((r) => r.status)),
    errorCodes: count(rows.filter((r) => r.error_code).map((r) => `${r.status}:${r.error_code}`)),
    lost: plan.jobs - new Set(rows.map((r) => r.idempotency_key)).size,
    duplicateJobs: rows.length - new Set(rows.map((r) => r.idempotency_key)).size,
    badOutputs: await checkOutputs(db),
    faults,
    unexpectedExits,
    startFailures,
    uploadRetries,
    uploadFailures,
    seconds: (Date.now() - started) / 1000,
    recoverySeconds,
  };
  await db.destroy();
  for (const p of [...workers, ...apis.values()]) await kill(p, "SIGTERM");
  if (!existing) await stack.stop();
  return report;
}

/** Completed jobs with anything but one document and one embedding per contiguous chunk. */
async function checkOutputs(db: Db): Promise<string[]> {
  const { rows } = await sql<{
    id: string;
    docs: number;
    chunks: number;
    embeddings: number;
    max_seq: number | null;
  }>`
    SELECT j.id,
      (SELECT count(*)::int FROM documents d WHERE d.job_id = j.id) AS docs,
      (SELECT count(*)::int FROM chunks c WHERE c.job_id = j.id) AS chunks,
      (SELECT count(*)::int FROM embeddings e WHERE e.job_id = j.id) AS embeddings,
      (SELECT max(seq) FROM chunks c WHERE c.job_id = j.id) AS max_seq
    FROM jobs j WHERE j.status = 'completed' AND j.reused_from IS NULL`.execute(db);
  return rows
    .filter((r) => r.docs !== 1 || r.chunks === 0 || r.embeddings !== r.chunks || r.max_seq !== r.chunks - 1)
    .map(
      (r) =>
        `${r.id}: documents ${r.docs}, chunks ${r.chunks} (max seq ${r.max_seq}), embeddings ${r.embeddings}`,
    );
}

function count(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
