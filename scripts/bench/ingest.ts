import { Readable } from "node:stream";
import { sql } from "kysely";
import { loadConfig, resolvedConfig } from "../../src/config/index.js";
import { createDb, type Db } from "../../src/db/database.js";
import { chunkText, type PageSpan } from "../../src/pipeline/index.js";
import { effectiveSettings } from "../../src/pipeline/settings.js";
import { ParseExecutor } from "../../src/sandbox/parse-executor.js";
import { createObjectStore } from "../../src/storage/create-object-store.js";
import { createProvider } from "../../src/worker/deps.js";
import { freePort } from "../../test/helpers/free-port.js";
import { startServeProcess, startWorkerProcess } from "../../test/helpers/process-intake.js";
import { corpusDocument } from "../../test/support/corpus.js";
import { type UploadSource, uploadThroughApi } from "../../test/support/http-upload.js";
import { API_KEY, intakeEnv, type Stack } from "../../test/support/stack.js";
import { cpuProfileEnv, mainThreadProfile } from "./cpu-profile-top.js";
import { cpuBetween, cpuSnapshot } from "./cpu-tree.js";
import { terminal, waitUntil } from "./wait-jobs.js";

export interface IngestResult {
  docs: number;
  bytes: number;
  seconds: number;
  mbPerS: number;
  docsPerS: number;
  failed: number;
  /** CPU seconds during the run: this process, and its children by role (serve, worker, postgres, minio). */
  cpuS: Record<string, number>;
}

export interface StageBreakdown {
  /** Per stage: mean ms from its claim to its commit, and mean ms queued before the claim. */
  stages: { stage: string; runMs: number; queuedMs: number }[];
  /** Mean ms from the `uploaded` event to the `completed` one. */
  jobMs: number;
}

const MiB = 1024 * 1024;
const bytesOf = (docs: UploadSource[]) => docs.reduce((n, d) => n + (d.body as Uint8Array).byteLength, 0);

/** The generated mix (text, Markdown, HTML, PDF, DOCX in turn), as before the reference case. */
export const generatedDocs = (n: number) => Array.from({ length: n }, (_, i) => corpusDocument(i));

/**
 * End to end: uploads through `intake serve`, parse → chunk → embed (hash embedder) in one
 * `intake worker` process; the clock runs from the first create to the last terminal job.
 * `docs` is a count of the generated mix or the documents themselves.
 */
export async function measureIngest(
  stack: Stack,
  opts: {
    docs: number | UploadSource[];
    workerConcurrency: number;
    env?: Record<string, string>;
    /** Makes the worker write a CPU profile there. */
    cpuProfileDir?: string;
    /** Sent through the same server and worker first, untimed (see measureBarePipeline). */
    warmup?: UploadSource[];
  },
): Promise<
  IngestResult & {
    breakdown: StageBreakdown;
    cpuProfile?: { file: string; window: { fromEndMs: number; toEndMs: number } };
  }
> {
  const url = await stack.createDatabase("bench_ingest");
  const env = intakeEnv(stack, url, "bench-ingest", {
    INTAKE_RECONCILE_INTERVAL_MS: "600000",
    ...opts.env,
  });
  const port = await freePort();
  const server = await startServeProcess("serve", env, port);
  const profiling = opts.cpuProfileDir ? await cpuProfileEnv(opts.cpuProfileDir) : {};
  const worker = await startWorkerProcess(
    "worker",
    { ...env, ...profiling },
    { concurrency: opts.workerConcurrency },
  );
  const db = createDb({ connectionString: url, max: 2 });
  let workerStopped = false;
  try {
    const docs = typeof opts.docs === "number" ? generatedDocs(opts.docs) : opts.docs;
    const bytes = bytesOf(docs);
    if (opts.warmup) await waitUntil(db, await uploadAll(port, opts.warmup), terminal, 600_000);
    const cpu0 = cpuSnapshot();
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    const ids = await uploadAll(port, docs);
    const rows = await waitUntil(db, ids, terminal, 600_000);
    const seconds = (performance.now() - t0) / 1000;
    const roles = new Map([
      [server.pid, "serve"],
      [worker.pid, "worker"],
    ]);
    const cpuS = {
      "bench (uploading client)": selfCpuS(self0),
      ...cpuBetween(cpu0, cpuSnapshot(), (pid, comm) => roles.get(pid) ?? comm),
    };
    const failed = rows.filter((r) => r.status !== "completed");
    if (failed.length) {
      const { rows: why } = await sql<{ filename: string; error_code: string; error_message: string }>`
        SELECT filename, error_code, error_message FROM jobs
        WHERE id = ANY(${sql.val(ids)}::uuid[]) AND status <> 'completed' ORDER BY filename`.execute(db);
      console.error(
        `ingest: ${failed.length} jobs did not complete: ${why.map((r) => `${r.filename} ${r.error_code} (${r.error_message})`).join("; ")}`,
      );
    }
    const breakdown = await stageBreakdown(db, ids);
    // The profile ends at the worker's exit: the run is the stretch before its shutdown.
    await worker.kill("SIGTERM");
    workerStopped = true;
    const shutdownMs = performance.now() - (t0 + seconds * 1000);
    const file = opts.cpuProfileDir && (await mainThreadProfile(opts.cpuProfileDir));
    return {
      docs: docs.length,
      bytes,
      seconds,
      mbPerS: bytes / MiB / seconds,
      docsPerS: docs.length / seconds,
      failed: failed.length,
      cpuS,
      breakdown,
      ...(file
        ? { cpuProfile: { file, window: { fromEndMs: shutdownMs + seconds * 1000, toEndMs: shutdownMs } } }
        : {}),
    };
  } finally {
    await db.destroy();
    if (!workerStopped) await worker.kill("SIGTERM");
    await server.kill("SIGTERM");
  }
}

/** Uploads `docs` through `intake serve` on `port` from four clients; the job ids. */
async function uploadAll(port: number, docs: UploadSource[]): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < docs.length) {
        const doc = docs[next++]!;
        ids.push(await uploadThroughApi(`http://127.0.0.1:${port}`, API_KEY, doc));
      }
    }),
  );
  return ids;
}

/**
 * Where a job's time went, from its events' timestamps (each is its transaction's start, so
 * a stage's run is claim → start of its commit). Means over the completed jobs.
 */
async function stageBreakdown(db: Db, ids: string[]): Promise<StageBreakdown> {
  const { rows } = await sql<{ stage: string; run_ms: number; queued_ms: number }>`
    WITH ev AS (
      SELECT job_id, type, data->>'stage' AS stage, created_at,
             lag(created_at) OVER (PARTITION BY job_id ORDER BY id) AS prev_at
      FROM job_events
      WHERE job_id = ANY(${sql.val(ids)}::uuid[]) AND type IN ('uploaded', 'stage_started', 'stage_completed')
    )
    SELECT s.stage,
           avg(extract(epoch FROM c.created_at - s.created_at) * 1000)::float8 AS run_ms,
           avg(extract(epoch FROM s.created_at - s.prev_at) * 1000)::float8 AS queued_ms
    FROM ev s JOIN ev c ON c.job_id = s.job_id AND c.stage = s.stage AND c.type = 'stage_completed'
    WHERE s.type = 'stage_started'
    GROUP BY s.stage`.execute(db);
  const order = ["parse", "chunk", "embed"];
  const { rows: job } = await sql<{ ms: number }>`
    SELECT avg(extract(epoch FROM d.created_at - u.created_at) * 1000)::float8 AS ms
    FROM job_events u JOIN job_events d ON d.job_id = u.job_id AND d.type = 'completed'
    WHERE u.job_id = ANY(${sql.val(ids)}::uuid[]) AND u.type = 'uploaded'`.execute(db);
  return {
    stages: rows
      .sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage))
      .map((r) => ({ stage: r.stage, runMs: r.run_ms, queuedMs: r.queued_ms })),
    jobMs: job[0]?.ms ?? 0,
  };
}

/**
 * The reference: the same documents through intake's own pipeline functions in this process,
 * with no queue, no database and no storage: parse in the sandboxed ParseExecutor (the worker's
 * parse path, its thread pool and budget), the text kept in memory, chunked with the worker's
 * settings and embedded with the configured (hash) provider in the embed stage's batches.
 * `concurrency` documents at a time, as the worker's claim slots.
 */
export async function measureBarePipeline(
  stack: Stack,
  opts: {
    docs: UploadSource[];
    concurrency: number;
    env?: Record<string, string>;
    /**
     * Sent through the same pipeline first, untimed. The end-to-end case gets the same set, so
     * both are timed with their code compiled and their parse threads running, as a worker
     * that has been up for a while is.
     */
    warmup?: UploadSource[];
  },
): Promise<IngestResult> {
  const config = resolvedConfig(
    loadConfig({ ...intakeEnv(stack, "postgres://unused/x", "bench-ingest", opts.env), LOG_LEVEL: "silent" }),
  );
  const parser = new ParseExecutor(config.parse);
  const provider = createProvider(config);
  const { chunkSize: size, chunkOverlap: overlap, chunkUnit: unit } = effectiveSettings(config, null);
  const EMBED_BATCH = 64;
  let failed = 0;
  const one = async (doc: UploadSource) => {
    const body = doc.body as Uint8Array;
    const parts: string[] = [];
    const result = await parser.parse(
      Readable.from([body]),
      { declaredContentType: doc.contentType, filename: doc.filename, size: body.byteLength },
      { write: async (text) => void parts.push(text) },
    );
    const texts: string[] = [];
    const chunks = chunkText(Readable.from(parts), {
      size,
      overlap,
      unit,
      format: result.textFormat,
      pages: result.pages as PageSpan[],
    });
    for await (const c of chunks) {
      texts.push(c.text);
      if (texts.length === EMBED_BATCH) await provider.embed(texts.splice(0));
    }
    if (texts.length > 0) await provider.embed(texts);
  };
  const all = async (docs: UploadSource[]) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (next < docs.length) {
          const doc = docs[next++]!;
          await one(doc).catch((err: unknown) => {
            failed++;
            console.error(`bare pipeline: ${doc.filename}: ${(err as Error).message}`);
          });
        }
      }),
    );
  };
  try {
    if (opts.warmup) {
      await all(opts.warmup);
      failed = 0;
    }
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    await all(opts.docs);
    const seconds = (performance.now() - t0) / 1000;
    const bytes = bytesOf(opts.docs);
    return {
      docs: opts.docs.length,
      bytes,
      seconds,
      mbPerS: bytes / MiB / seconds,
      docsPerS: opts.docs.length / seconds,
      failed,
      // Parse threads are this process's threads, so their time is in it.
      cpuS: { "bench (bare pipeline)": selfCpuS(self0) },
    };
  } finally {
    await parser.close();
  }
}

function selfCpuS(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

/**
 * What one derived-text round trip costs a small document: the parse stage's write of its text
 * object (the ObjectStore writer) and the chunk stage's read of it, sequentially, `n` times.
 */
export async function measureDerivedRoundTrip(
  stack: Stack,
  opts: { n: number; bytes: number },
): Promise<{ writeMs: number; readMs: number }> {
  const config = resolvedConfig(
    loadConfig({ ...intakeEnv(stack, "postgres://unused/x", "bench-ingest"), LOG_LEVEL: "silent" }),
  );
  const store = createObjectStore(config.s3);
  const text = "x".repeat(opts.bytes);
  let writeMs = 0;
  let readMs = 0;
  try {
    for (let i = 0; i < opts.n; i++) {
      const key = `derived/bench/00000000-0000-4000-8000-000000000000/probe.${i}.txt`;
      const t0 = performance.now();
      const w = store.writer(key, "text/plain; charset=utf-8");
      await w.write(text);
      await w.close();
      const t1 = performance.now();
      for await (const _ of await store.open(key)) {
        // drained: the chunk stage reads the whole object
      }
      readMs += performance.now() - t1;
      writeMs += t1 - t0;
      await store.delete(key);
    }
  } finally {
    store.destroy();
  }
  return { writeMs: writeMs / opts.n, readMs: readMs / opts.n };
}
