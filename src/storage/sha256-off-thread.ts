import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

const THREAD_FILE = new URL("./sha256-thread.mjs", import.meta.url);
/**
 * Hashing threads at most. Each hashes at a core's speed and jobs share them, so more would
 * only take cores from the API (and the parse pool of an all-in-one process).
 */
const MAX_THREADS = Math.min(2, availableParallelism());
/**
 * Bytes one job may have handed to its thread and not yet seen hashed. The reader waits past
 * this, so a network faster than the hash does not pile the object up in memory. The thread
 * acknowledges every 256 KiB (sha256-thread.mjs), so the window must stay above that.
 */
const IN_FLIGHT_BYTES = 1024 * 1024;
/** A thread idle this long exits: each holds ~15-25 MB of RSS, and hashing comes in bursts. */
const IDLE_THREAD_MS = 60_000;

export interface Sha256Result {
  hex: string;
  /** The worker thread that hashed (never the main thread's 0). */
  threadId: number;
  /** Hashes that thread still held when it answered: 0 when nothing was left behind. */
  openInThread: number;
}

type FromThread =
  | { t: "ack"; id: number; bytes: number }
  | { t: "digest"; id: number; hex: string; threadId: number; open: number };

/**
 * The sha256 of everything `source` yields, as hex, computed in a worker thread: this thread
 * only moves the bytes, so hashing a multi-gigabyte upload does not stall the API's event loop.
 *
 * The source is consumed: a chunk that is a whole ArrayBuffer is transferred (not copied) and
 * is empty afterwards; a view into a larger buffer is copied, since detaching it would take
 * bytes from whoever else holds that buffer. Rejects with the source's error, with
 * `signal.reason` when aborted (the source is then returned, i.e. a Node stream destroyed, at
 * its next chunk; tie the source to the same signal to stop it at once), or when the thread dies.
 */
export async function sha256Hex(source: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<string> {
  return (await sha256OffThread(source, signal)).hex;
}

export function sha256OffThread(
  source: AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<Sha256Result> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const job = pickThread().start();
  const onAbort = () => job.fail(signal!.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  void pump(source, job);
  return job.result.finally(() => signal?.removeEventListener("abort", onAbort));
}

/** Moves the source's chunks to the thread; never rejects (a failure fails the job). */
async function pump(source: AsyncIterable<Uint8Array>, job: HashJob): Promise<void> {
  try {
    for await (const chunk of source) {
      if (chunk.byteLength > 0) await job.write(chunk);
      // Leaving the loop returns the source (a stream is destroyed, its socket released).
      if (job.settled) return;
    }
    job.end();
  } catch (err) {
    job.fail(err);
  }
}

const threads: HashThread[] = [];
let nextJobId = 1;

/** The least busy thread, started lazily; a new one only while every thread is busy. */
function pickThread(): HashThread {
  const idle = threads.find((t) => t.jobs.size === 0);
  if (idle) return idle;
  if (threads.length < MAX_THREADS) {
    const thread = new HashThread();
    threads.push(thread);
    return thread;
  }
  return threads.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
}

class HashThread {
  readonly jobs = new Map<number, HashJob>();
  readonly #worker: Worker;
  #idle: NodeJS.Timeout | undefined;
  #dead = false;

  constructor() {
    this.#worker = new Worker(THREAD_FILE);
    this.#worker.on("message", (m: FromThread) => {
      const job = this.jobs.get(m.id);
      if (m.t === "ack") job?.acked(m.bytes);
      else job?.resolve({ hex: m.hex, threadId: m.threadId, openInThread: m.open });
    });
    this.#worker.on("error", (err) => this.#die(err));
    this.#worker.on("exit", (code) => this.#die(new Error(`the sha256 thread exited with code ${code}`)));
    this.#refresh();
  }

  start(): HashJob {
    const job = new HashJob(nextJobId++, this);
    this.jobs.set(job.id, job);
    this.#refresh();
    return job;
  }

  post(message: unknown, transfer?: ArrayBuffer[]): void {
    this.#worker.postMessage(message, transfer);
  }

  /** The job settled: forget it, and tell the thread to drop its state if it did not finish. */
  finished(job: HashJob, dropInThread: boolean): void {
    if (!this.jobs.delete(job.id)) return;
    if (dropInThread) this.post({ t: "drop", id: job.id });
    this.#refresh();
  }

  // Referenced only while hashing: an idle thread never keeps the process alive, but one with
  // a job does, like any pending I/O (else a script could exit before its digest arrives).
  #refresh(): void {
    clearTimeout(this.#idle);
    if (this.#dead) return;
    if (this.jobs.size > 0) {
      this.#worker.ref();
      return;
    }
    this.#worker.unref();
    this.#idle = setTimeout(() => this.#die(new Error("the sha256 thread retired")), IDLE_THREAD_MS).unref();
  }

  /** Out of the pool at once (no new job can pick it), its jobs failed, the thread ended. */
  #die(err: unknown): void {
    if (this.#dead) return;
    this.#dead = true;
    clearTimeout(this.#idle);
    const i = threads.indexOf(this);
    if (i >= 0) threads.splice(i, 1);
    for (const job of [...this.jobs.values()]) job.fail(err);
    void this.#worker.terminate();
  }
}

class HashJob {
  settled = false;
  readonly result: Promise<Sha256Result>;
  #resolve!: (r: Sha256Result) => void;
  #reject!: (err: unknown) => void;
  #inFlight = 0;
  #wake: (() => void) | undefined;

  constructor(
    readonly id: number,
    private readonly thread: HashThread,
  ) {
    this.result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Hands one chunk over, then waits while too many bytes are still unhashed. */
  async write(chunk: Uint8Array): Promise<void> {
    // After a failure the thread has dropped this id; a late chunk would start a new hash there.
    if (this.settled) return;
    const data = transferable(chunk);
    this.#inFlight += data.byteLength;
    this.thread.post({ t: "chunk", id: this.id, data }, [data]);
    while (!this.settled && this.#inFlight > IN_FLIGHT_BYTES) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  acked(bytes: number): void {
    this.#inFlight -= bytes;
    this.#wakeWriter();
  }

  end(): void {
    if (!this.settled) this.thread.post({ t: "end", id: this.id });
  }

  resolve(r: Sha256Result): void {
    if (this.settled) return;
    this.settled = true;
    this.thread.finished(this, false);
    this.#resolve(r);
  }

  fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.thread.finished(this, true);
    this.#wakeWriter();
    this.#reject(err);
  }

  #wakeWriter(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

function transferable(chunk: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = chunk;
  if (buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength) return buffer;
  // A copy of the chunk's bytes alone. Not `chunk.slice()`: on a Buffer that is a view, whose
  // `.buffer` is the whole shared memory (Node's 8 KiB pool, or a larger read buffer).
  return new Uint8Array(chunk).buffer;
}
