import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { createDb } from "../../src/db/database.js";
import { buildPdf } from "../../src/pipeline/testing/build-pdf.js";
import { freePort } from "../../test/helpers/free-port.js";
import { peakRssMb, startServeProcess, startWorkerProcess } from "../../test/helpers/process-intake.js";
import { prose } from "../../test/support/corpus.js";
import { uploadThroughApi } from "../../test/support/http-upload.js";
import { API_KEY, intakeEnv, type Stack } from "../../test/support/stack.js";
import { waitUntil } from "./wait-jobs.js";

export interface MemoryCase {
  name: string;
  fileMb: number;
  peakRssMb: number;
  seconds: number;
  status: string;
}

/** Writes `bytes` of prose in lines to `file`, streaming, so the bench itself stays small. */
async function writeTextFile(file: string, bytes: number): Promise<number> {
  const out = createWriteStream(file);
  const block = Buffer.from(Array.from({ length: 64 }, (_, i) => `${prose(i, 8)}\n`).join(""));
  for (let written = 0; written < bytes; written += block.length) {
    if (!out.write(block)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return (await stat(file)).size;
}

/**
 * Peak RSS (VmHWM) of a fresh `intake worker --stages parse,chunk` child while it parses and
 * chunks one large file; plus the same worker idle, as the baseline.
 */
export async function measureMemory(
  stack: Stack,
  opts: { textBytes: number[]; pdfPages: number },
): Promise<{ idleMb: number; cases: MemoryCase[] }> {
  const url = await stack.createDatabase("bench_memory");
  const env = intakeEnv(stack, url, "bench-memory", {
    INTAKE_RECONCILE_INTERVAL_MS: "600000",
    INTAKE_MULTIPART_THRESHOLD_BYTES: String(4 * 1024 ** 3),
    INTAKE_LEASE_SECONDS: "60",
  });
  const port = await freePort();
  const server = await startServeProcess("serve", env, port);
  const db = createDb({ connectionString: url, max: 2 });
  const files: string[] = [];
  try {
    const idle = await startWorkerProcess("idle-worker", env, { stages: "parse,chunk", concurrency: 1 });
    const idleMb = peakRssMb(idle.pid) ?? Number.NaN;
    await idle.kill("SIGTERM");

    const inputs: { name: string; contentType: string; file: string; size: number; filename: string }[] = [];
    for (const [i, bytes] of opts.textBytes.entries()) {
      const file = path.join(stack.root, `big${i}.txt`);
      files.push(file);
      const size = await writeTextFile(file, bytes);
      inputs.push({
        name: `text_${Math.round(size / 1024 / 1024)}mb`,
        contentType: "text/plain",
        file,
        size,
        filename: "big.txt",
      });
    }
    const pdf = buildPdf(Array.from({ length: opts.pdfPages }, (_, p) => prose(p, 25)));
    const pdfFile = path.join(stack.root, "big.pdf");
    files.push(pdfFile);
    await writeFile(pdfFile, pdf);
    inputs.push({
      name: `pdf_${Math.round(pdf.byteLength / 1024 / 1024)}mb_${opts.pdfPages}p`,
      contentType: "application/pdf",
      file: pdfFile,
      size: pdf.byteLength,
      filename: "big.pdf",
    });
    const cases: MemoryCase[] = [];
    for (const input of inputs) {
      const worker = await startWorkerProcess(`worker-${input.name}`, env, {
        stages: "parse,chunk",
        concurrency: 1,
      });
      try {
        const t0 = performance.now();
        const id = await uploadThroughApi(`http://127.0.0.1:${port}`, API_KEY, {
          filename: input.filename,
          contentType: input.contentType,
          body: { path: input.file, size: input.size },
        });
        // Done with parse and chunk: queued for embed (which this worker does not run), or failed.
        const [row] = await waitUntil(
          db,
          [id],
          (r) => r.stage === "embed" || r.status === "failed",
          3_600_000,
        );
        cases.push({
          name: input.name,
          fileMb: input.size / 1024 / 1024,
          peakRssMb: peakRssMb(worker.pid) ?? Number.NaN,
          seconds: (performance.now() - t0) / 1000,
          status: row!.status === "failed" ? `failed:${row!.error_code}` : "parsed+chunked",
        });
      } finally {
        await worker.kill("SIGTERM");
      }
    }
    return { idleMb, cases };
  } finally {
    await db.destroy();
    await server.kill("SIGTERM");
    for (const f of files) await unlink(f).catch(() => {});
  }
}
