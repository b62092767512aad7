// Runs in a worker thread, as plain JavaScript: pdf.js is loaded here without the TypeScript
// loader of the main thread (which cost ~100 MB of RSS to transform pdf.js), parsing cannot
// block the worker's event loop (heartbeats keep their lease), and the thread's heap limit
// bounds what one PDF may take.
import { parentPort, workerData } from "node:worker_threads";

const CLEANUP_EVERY_PAGES = 25;

const INFO_FIELDS = [
  ["Title", "title"],
  ["Author", "author"],
  ["Subject", "subject"],
  ["Creator", "creator"],
  ["Producer", "producer"],
  ["CreationDate", "creationDate"],
  ["PDFFormatVersion", "pdfVersion"],
];

function describeInfo(info) {
  const metadata = {};
  if (typeof info !== "object" || info === null) return metadata;
  for (const [from, to] of INFO_FIELDS) {
    const value = info[from];
    if (typeof value === "string" && value !== "") metadata[to] = value.slice(0, 500);
  }
  return metadata;
}

const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
const task = getDocument({
  data: new Uint8Array(workerData.data),
  verbosity: 0,
  isEvalSupported: false,
  disableFontFace: true,
  useSystemFonts: false,
});
try {
  const doc = await task.promise;
  const meta = await doc.getMetadata();
  parentPort.postMessage({ type: "meta", pageCount: doc.numPages, metadata: describeInfo(meta.info) });
  for (let number = 1; number <= doc.numPages; number++) {
    const page = await doc.getPage(number);
    const content = await page.getTextContent();
    let text = "";
    for (const item of content.items) {
      if ("str" in item) text += item.hasEOL ? `${item.str}\n` : item.str;
    }
    page.cleanup();
    parentPort.postMessage({ type: "page", number, text });
    // pdf.js caches every loaded page; a 2,000-page PDF held all of them without this.
    if (number % CLEANUP_EVERY_PAGES === 0) await doc.cleanup();
  }
  parentPort.postMessage({ type: "done" });
} catch (error) {
  parentPort.postMessage({
    type: "error",
    name: error?.name ?? "Error",
    message: error?.message ?? String(error),
  });
} finally {
  await task.destroy();
}
