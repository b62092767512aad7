import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import { PipelineError } from "../pipeline/errors.js";
import type { ParseInfo, ParseLimits, ParseOptions, ParseResult, TextSink } from "../pipeline/parse/types.js";
import { type ParseBudget, parseTimeoutMs } from "./budget.js";
import type { FromParser, ParseTask, ParseTaskResult, ToParser } from "./protocol.js";
import { parseThreadEntry } from "./thread-entry.js";

const WATCHDOG_MS = 50;
const CHUNK_STEP = 16 * 1024;
// Threads idle this long exit, so an idle worker holds no parser heaps.
const IDLE_THREAD_MS = 60_000;

export interface SandboxParseOptions {
  /** Aborting it (lease lost, shutdown) terminates the parse thread at once. */
  signal?: AbortSignal;
  onProgress?: ParseOptions["onProgress"];
}

/**
 * Runs `parseDocument` in a pool of worker threads, each with a heap cap, and ends any parse
 * that exceeds its busy-time budget by terminating its thread. The calling thread only moves
 * bytes in and text out, so the claim loop, heartbeats, LISTEN and the API stay responsive
 * whatever a document does.
 */
export class ParseExecutor {
  #pool: Piscina | undefined;

  constructor(
    private readonly budget: ParseBudget,
    private readonly limits: Partial<ParseLimits> = {},
  ) {}

  /**
   * Parses one document: `source` is read as the thread asks for bytes, text is handed to
   * `sink` in order. Throws a `PipelineError` for a document that is bad or over budget
   * (`parse_timeout`, `too_large` for the memory cap), the source's or sink's own error
   * unchanged, and `signal.reason` when aborted.
   */
  async parse(
    source: AsyncIterable<Uint8Array>,
    info: ParseInfo,
    sink: TextSink,
    options: SandboxParseOptions = {},
  ): Promise<ParseResult> {
    const budgetMs = parseTimeoutMs(this.budget, info.size);
    const { port1, port2 } = new MessageChannel();
    const stop = new AbortController();
    const input = source[Symbol.asyncIterator]();
    let inputDone = false;
    let spare: ArrayBuffer | undefined;
    let ioError: unknown;
    let overBudget = false;
    const clock = new BusyClock();

    const fail = (err: unknown) => {
      ioError ??= err;
      stop.abort(err);
    };
    const send = (m: ToParser, transfer?: ArrayBuffer[]) => port1.postMessage(m, transfer);
    port1.on("message", (m: FromParser) => {
      clock.start();
      if (m.t === "pull") {
        spare = m.spare;
        clock
          .io(() => input.next())
          .then((next) => {
            if (next.done) {
              inputDone = true;
              return send({ t: "end" });
            }
            // A copy of the chunk's own bytes: stream chunks are often views into a buffer they
            // share with other data (Node's Buffer#slice is such a view, not a copy), which
            // must neither be detached by the transfer nor cross to the thread whole. The copy
            // goes into the buffer the thread handed back, when it has one that fits.
            const chunk = next.value;
            const data =
              spare && spare.byteLength >= chunk.byteLength
                ? spare
                : new ArrayBuffer(roundUp(chunk.byteLength));
            spare = undefined;
            new Uint8Array(data).set(chunk);
            send({ t: "chunk", data, length: chunk.byteLength }, [data]);
          }, fail);
      } else if (m.t === "text") {
        clock.io(() => sink.write(m.text)).then(() => send({ t: "ack" }), fail);
      } else if (m.t === "ocr") {
        // Time in Tesseract and pdftoppm is not the parser's: OCR has a budget per page and a
        // cap on pages (INTAKE_OCR_PAGE_TIMEOUT_MS, INTAKE_OCR_MAX_PAGES) and enforces both.
        if (m.active) clock.enter();
        else clock.leave();
      } else options.onProgress?.(m.progress);
    });
    const watchdog = setInterval(() => {
      if (clock.busyMs() > budgetMs) {
        overBudget = true;
        stop.abort(new Error("parse budget exceeded"));
      }
    }, WATCHDOG_MS);

    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const task: ParseTask = { port: port2, info, limits: this.limits, ocr: this.budget.ocr };
    try {
      const pool = await this.pool();
      const answer: ParseTaskResult = await pool.run(task, { transferList: [port2], signal });
      if (answer.ok) return answer.result;
      if (answer.code) throw new PipelineError(answer.code as PipelineError["code"], answer.message);
      // The thread sees nothing but the document's bytes, so its failure is the document's.
      throw new PipelineError("corrupt_file", `the parser failed on this document: ${answer.message}`);
    } catch (err) {
      if (ioError !== undefined) throw ioError;
      if (overBudget) {
        throw new PipelineError(
          "parse_timeout",
          `parsing needed more than its budget of ${(budgetMs / 1000).toFixed(1)} s for a ` +
            `${formatBytes(info.size)} document; the document is too complex to process`,
        );
      }
      if (options.signal?.aborted) throw options.signal.reason;
      if ((err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") {
        throw new PipelineError(
          "too_large",
          `parsing this document needed more than the ${this.budget.memoryMb} MB memory cap`,
        );
      }
      throw err;
    } finally {
      clearInterval(watchdog);
      port1.close();
      // The parser may stop early (a size limit, an error): release the source, e.g. its socket.
      if (!inputDone) await input.return?.().catch(() => {});
    }
  }

  /** Ends every thread; a later `parse` starts a new pool. */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.destroy();
  }

  private async pool(): Promise<Piscina> {
    const filename = await parseThreadEntry();
    this.#pool ??= new Piscina({
      filename,
      minThreads: 0,
      maxThreads: this.budget.threads,
      idleTimeout: IDLE_THREAD_MS,
      // Threads wait for tasks on their event loop, not in Atomics.wait, so a running task's
      // port messages are delivered.
      atomics: "disabled",
      resourceLimits: {
        maxOldGenerationSizeMb: this.budget.memoryMb,
        maxYoungGenerationSizeMb: 16,
        stackSizeMb: 4,
      },
    });
    return this.#pool;
  }
}

/** Chunk buffers come in steps of 16 KiB, so that a handed-back one fits the next chunk. */
function roundUp(bytes: number): number {
  return Math.max(CHUNK_STEP, Math.ceil(bytes / CHUNK_STEP) * CHUNK_STEP);
}

/** Time since the thread started on the document, minus the time spent waiting on storage. */
class BusyClock {
  #startedAt: number | undefined;
  #ioMs = 0;
  #ioSince: number | undefined;
  #ioDepth = 0;

  start(): void {
    this.#startedAt ??= performance.now();
  }

  async io<T>(fn: () => Promise<T>): Promise<T> {
    this.enter();
    try {
      return await fn();
    } finally {
      this.leave();
    }
  }

  /** Stops counting until the matching `leave` (spans may nest). */
  enter(): void {
    if (this.#ioDepth++ === 0) this.#ioSince = performance.now();
  }

  leave(): void {
    if (this.#ioDepth === 0) return;
    if (--this.#ioDepth === 0 && this.#ioSince !== undefined) {
      this.#ioMs += performance.now() - this.#ioSince;
      this.#ioSince = undefined;
    }
  }

  busyMs(): number {
    if (this.#startedAt === undefined) return 0;
    const now = performance.now();
    const ongoing = this.#ioSince === undefined ? 0 : now - this.#ioSince;
    return now - this.#startedAt - this.#ioMs - ongoing;
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}
