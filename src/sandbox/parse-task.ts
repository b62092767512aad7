import os from "node:os";
import { isMainThread } from "node:worker_threads";
import { isPipelineError } from "../pipeline/errors.js";
import type { ChunkSource } from "../pipeline/parse/byte-source.js";
import { parseDocument } from "../pipeline/parse/index.js";
import type { TextSink } from "../pipeline/parse/types.js";
import type { FromParser, ParseTask, ParseTaskResult, ToParser } from "./protocol.js";

// Runs inside a parse thread: the only place document bytes are interpreted. Everything it
// touches is this thread's, so a document that loops or bloats costs this thread alone, and
// the control thread ends it by terminating the thread.

// Parsing yields the CPU to the control thread (claims, heartbeats, the API): on Linux,
// setpriority on "this process" from a thread renices only that thread. Raising one's own nice
// value needs no privilege; where it is refused, the thread runs at normal priority.
if (!isMainThread) {
  try {
    os.setPriority(10);
  } catch {
    // best effort
  }
}

export default async function runParseTask(task: ParseTask): Promise<ParseTaskResult> {
  const { port } = task;
  const inbox = new Inbox(port);
  const send = (m: FromParser, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const sink: TextSink = {
    async write(text) {
      send({ t: "text", text });
      await inbox.next();
    },
  };
  try {
    const result = await parseDocument(new PulledBytes(inbox, send), task.info, sink, {
      limits: task.limits,
      onProgress: (progress) => send({ t: "progress", progress }),
      ocr: task.ocr,
      onOcrActive: (active) => send({ t: "ocr", active }),
    });
    return { ok: true, result };
  } catch (err) {
    if (isPipelineError(err)) return { ok: false, code: err.code, message: err.message };
    return { ok: false, code: undefined, message: err instanceof Error ? err.message : String(err) };
  } finally {
    port.close();
  }
}

/**
 * The document's bytes, pulled a chunk at a time. A recycled chunk's buffer goes back with the
 * next pull, for the control thread to copy the next chunk into.
 */
class PulledBytes implements ChunkSource {
  // Chunks as yielded and not yet recycled: only these may be given back, each once.
  #given = new WeakSet<Uint8Array>();
  #spare: ArrayBuffer | undefined;

  constructor(
    private readonly inbox: Inbox,
    private readonly send: (m: FromParser, transfer?: ArrayBuffer[]) => void,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const spare = this.#spare;
      this.#spare = undefined;
      this.send({ t: "pull", spare }, spare && [spare]);
      const m = await this.inbox.next();
      if (m.t === "end") return;
      if (m.t === "chunk") {
        const chunk = new Uint8Array(m.data, 0, m.length);
        this.#given.add(chunk);
        yield chunk;
      }
    }
  }

  recycle(chunk: Uint8Array): void {
    if (this.#given.delete(chunk)) this.#spare = chunk.buffer as ArrayBuffer;
  }
}

/** The port's messages in order; the protocol has at most one outstanding request. */
class Inbox {
  #queue: ToParser[] = [];
  #waiting: ((m: ToParser) => void) | undefined;

  constructor(port: ParseTask["port"]) {
    port.on("message", (m: ToParser) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (waiting) waiting(m);
      else this.#queue.push(m);
    });
  }

  next(): Promise<ToParser> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }
}
