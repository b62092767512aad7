import { createDb } from "../../src/db/database.js";
import { freePort } from "../../test/helpers/free-port.js";
import { startServeProcess, startWorkerProcess } from "../../test/helpers/process-intake.js";
import { corpusDocument } from "../../test/support/corpus.js";
import { uploadThroughApi } from "../../test/support/http-upload.js";
import { API_KEY, intakeEnv, type Stack } from "../../test/support/stack.js";
import { terminal, waitUntil } from "./wait-jobs.js";

export interface IngestResult {
  docs: number;
  bytes: number;
  seconds: number;
  mbPerS: number;
  docsPerS: number;
  failed: number;
}

/**
 * End to end: uploads through `intake serve`, parse → chunk → embed (hash embedder) in one
 * `intake worker` process; the clock runs from the first create to the last terminal job.
 */
export async function measureIngest(
  stack: Stack,
  opts: { docs: number; workerConcurrency: number },
): Promise<IngestResult> {
  const url = await stack.createDatabase("bench_ingest");
  const env = intakeEnv(stack, url, "bench-ingest", { INTAKE_RECONCILE_INTERVAL_MS: "600000" });
  const port = await freePort();
  const server = await startServeProcess("serve", env, port);
  const worker = await startWorkerProcess("worker", env, { concurrency: opts.workerConcurrency });
  const db = createDb({ connectionString: url, max: 2 });
  try {
    const docs = Array.from({ length: opts.docs }, (_, i) => corpusDocument(i));
    const bytes = docs.reduce((n, d) => n + (d.body as Uint8Array).byteLength, 0);
    const t0 = performance.now();
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
    const rows = await waitUntil(db, ids, terminal, 600_000);
    const seconds = (performance.now() - t0) / 1000;
    const failed = rows.filter((r) => r.status !== "completed");
    if (failed.length)
      console.error(
        `ingest: ${failed.length} jobs did not complete: ${failed.map((r) => r.error_code).join(",")}`,
      );
    return {
      docs: docs.length,
      bytes,
      seconds,
      mbPerS: bytes / 1024 / 1024 / seconds,
      docsPerS: docs.length / seconds,
      failed: failed.length,
    };
  } finally {
    await db.destroy();
    await worker.kill("SIGTERM");
    await server.kill("SIGTERM");
  }
}
