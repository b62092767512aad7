// A stand-in for a sandbox parse thread: registers the TypeScript loader (threads do not inherit
// it, see src/sandbox/parse-thread.mjs), then OCRs the image in workerData until terminated.
import { parentPort, workerData } from "node:worker_threads";

const { register } = await import("tsx/esm/api");
register();
const { ocrImagePages } = await import("../image-pages.ts");
parentPort.postMessage("started");
await ocrImagePages(workerData.image, { perPageTimeoutMs: 120_000 });
parentPort.postMessage("finished");
