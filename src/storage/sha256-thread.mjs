// The hashing thread of sha256-off-thread.ts. Plain JavaScript importing nothing of intake, so it
// loads as is under tsx, vitest and plain node (unlike the parse thread, nothing to bundle and no
// TypeScript loader to register; see src/sandbox/thread-entry.ts).
import { createHash } from "node:crypto";
import { parentPort, threadId } from "node:worker_threads";

/** One running hash per job id; several completions may share this thread. */
const hashes = new Map();

parentPort.on("message", (m) => {
  if (m.t === "chunk") {
    let hash = hashes.get(m.id);
    if (!hash) {
      hash = createHash("sha256");
      hashes.set(m.id, hash);
    }
    hash.update(new Uint8Array(m.data));
    parentPort.postMessage({ t: "ack", id: m.id, bytes: m.data.byteLength });
  } else if (m.t === "end") {
    const hex = (hashes.get(m.id) ?? createHash("sha256")).digest("hex");
    hashes.delete(m.id);
    // `open`: hashes this thread still holds, so a test can see an abandoned job left nothing.
    parentPort.postMessage({ t: "digest", id: m.id, hex, threadId, open: hashes.size });
  } else if (m.t === "drop") {
    hashes.delete(m.id);
  }
});
