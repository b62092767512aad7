// The hashing thread of sha256-off-thread.ts. Plain JavaScript importing nothing of intake, so it
// loads as is under tsx, vitest and plain node (unlike the parse thread, nothing to bundle and no
// TypeScript loader to register; see src/sandbox/thread-entry.ts).
import { createHash } from "node:crypto";
import { parentPort, threadId } from "node:worker_threads";

/** Unacknowledged bytes a job may hash before telling the main thread (a quarter of its window). */
const ACK_BYTES = 256 * 1024;
/** One running hash per job id (several completions may share this thread), with bytes not yet acked. */
const jobs = new Map();

parentPort.on("message", (m) => {
  if (m.t === "chunk") {
    let job = jobs.get(m.id);
    if (!job) {
      job = { hash: createHash("sha256"), unacked: 0 };
      jobs.set(m.id, job);
    }
    job.hash.update(new Uint8Array(m.data));
    // Acks in batches: one message back per chunk would cost the main thread as much as it saves.
    job.unacked += m.data.byteLength;
    if (job.unacked >= ACK_BYTES) {
      parentPort.postMessage({ t: "ack", id: m.id, bytes: job.unacked });
      job.unacked = 0;
    }
  } else if (m.t === "end") {
    const hex = (jobs.get(m.id)?.hash ?? createHash("sha256")).digest("hex");
    jobs.delete(m.id);
    // `open`: hashes this thread still holds, so a test can see an abandoned job left nothing.
    parentPort.postMessage({ t: "digest", id: m.id, hex, threadId, open: jobs.size });
  } else if (m.t === "drop") {
    jobs.delete(m.id);
  }
});
