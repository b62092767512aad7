import { Worker } from "node:worker_threads";
import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";

const PAGE_SEPARATOR = "\n\n";
/** Heap a single PDF may use in its thread; above it the PDF fails as too_large, the worker lives on. */
const PDF_THREAD_HEAP_MB = 160;

type ThreadMessage =
  | { type: "meta"; pageCount: number; metadata: Record<string, unknown> }
  | { type: "page"; number: number; text: string }
  | { type: "done" }
  | { type: "error"; name: string; message: string };

/**
 * Extracts text page by page with pdf.js in a worker thread (pdf-thread.mjs says why); each
 * page's span (without the blank line between pages) is recorded in `output.pages`. The
 * buffer of `data` is transferred to the thread (detached here).
 */
export async function parsePdf(
  data: Uint8Array,
  output: DocumentOutput,
  onPage: (pagesParsed: number) => void,
): Promise<{ pageCount: number; metadata: Record<string, unknown> }> {
  const copy = data.slice();
  const thread = new Worker(new URL("./pdf-thread.mjs", import.meta.url), {
    workerData: { data: copy.buffer },
    transferList: [copy.buffer],
    resourceLimits: { maxOldGenerationSizeMb: PDF_THREAD_HEAP_MB, maxYoungGenerationSizeMb: 8 },
  });
  const messages = threadMessages(thread);
  let pageCount = 0;
  let metadata: Record<string, unknown> = {};
  try {
    for await (const msg of messages) {
      if (msg.type === "meta") ({ pageCount, metadata } = msg);
      else if (msg.type === "page") {
        if (msg.number > 1) output.append(PAGE_SEPARATOR);
        const start = output.length;
        await output.write(msg.text.replace(/\r\n?/g, "\n").trimEnd());
        output.addPage(msg.number, start, output.length);
        onPage(msg.number);
      } else if (msg.type === "error") throw pdfError(msg.name, msg.message);
      else break;
    }
    return { pageCount, metadata };
  } finally {
    await thread.terminate();
  }
}

/** The thread's messages in order; a crash (out of memory included) ends it as an error. */
async function* threadMessages(thread: Worker): AsyncGenerator<ThreadMessage> {
  const queue: ThreadMessage[] = [];
  let failure: Error | null = null;
  let ended = false;
  let notify: () => void = () => {};
  thread.on("message", (m: ThreadMessage) => {
    queue.push(m);
    notify();
  });
  thread.on("error", (err) => {
    failure = err;
    notify();
  });
  thread.on("exit", () => {
    ended = true;
    notify();
  });
  for (;;) {
    const next = queue.shift();
    if (next) {
      yield next;
      continue;
    }
    if (failure) throw threadFailure(failure);
    if (ended) throw new PipelineError("corrupt_file", "PDF parser stopped without a result");
    await new Promise<void>((resolve) => {
      notify = resolve;
    });
  }
}

function threadFailure(err: Error): PipelineError {
  if ((err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new PipelineError("too_large", `PDF needs more than ${PDF_THREAD_HEAP_MB} MB to parse`, {
      cause: err,
    });
  }
  return new PipelineError("corrupt_file", `PDF could not be read: ${err.message}`, { cause: err });
}

/** Maps pdf.js failures to permanent codes; the input is fully in memory, so none is transient. */
function pdfError(name: string, message: string): PipelineError {
  if (name === "PasswordException")
    return new PipelineError("encrypted_file", "PDF is encrypted and needs a password");
  return new PipelineError("corrupt_file", `PDF could not be read: ${message}`);
}
