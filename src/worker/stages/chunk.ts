import { deleteChunksFrom } from "../../db/sql/delete-chunks-from.js";
import { findDocument } from "../../db/sql/find-document.js";
import { type ChunkRow, upsertChunks } from "../../db/sql/upsert-chunks.js";
import { chunkText, type PageSpan } from "../../pipeline/index.js";
import { effectiveSettings } from "../../pipeline/settings.js";
import { commitStage, progressReporter, type StageHandler, writeFenced } from "../stage.js";

const BATCH = 500;
const YIELD_EVERY_MS = 10;

async function* decodeUtf8(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  for await (const bytes of source) {
    const text = decoder.decode(bytes, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/**
 * chunk: streams the parsed text from storage through the chunker and writes chunks in fenced
 * batches keyed by (job, seq), so memory stays bounded and a rerun overwrites rather than adds.
 */
export const chunkStage: StageHandler = async (deps, run) => {
  const { job } = run;
  const doc = await findDocument(deps.db, job.id, job.generation);
  if (!doc) throw new Error("parse output is missing; the parse stage must run first");
  const handedOver = deps.handoff.take(doc.text_key);
  deps.metrics.derivedTextReads.inc({ from: handedOver === undefined ? "storage" : "memory" });
  const text =
    handedOver === undefined
      ? decodeUtf8(await deps.store.open(doc.text_key, { signal: run.signal }))
      : (async function* () {
          yield handedOver;
        })();
  const progress = progressReporter(deps, run);
  // A job's own settings (a reprocess with settings) override the process's.
  const {
    chunkSize: size,
    chunkOverlap: overlap,
    chunkUnit: unit,
  } = effectiveSettings(deps.config, job.settings);
  // Whether parse wrote Markdown is recorded with the document (text_format).
  const format = doc.text_format;
  let batch: ChunkRow[] = [];
  let count = 0;
  let charsChunked = 0;
  const flush = async () => {
    const rows = batch;
    batch = [];
    await writeFenced(deps, run, (trx) => upsertChunks(trx, job.id, rows, job.generation));
    await progress({ chunks: count, charsChunked, charsTotal: Number(doc.chars) });
  };
  const pages = doc.pages as PageSpan[];
  // Chunking runs on this thread, beside claims, heartbeats and (in `intake start`) the API.
  // An async generator resumes on microtasks, so without this a large text would be chunked
  // in one turn of the event loop between storage reads: give the loop a turn every few ms.
  let turn = performance.now();
  for await (const c of chunkText(text, { size, overlap, unit, format, pages })) {
    if (performance.now() - turn > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      turn = performance.now();
    }
    // A chunk is a ChunkRow (and more): stored as the chunker made it.
    batch.push(c);
    count++;
    charsChunked = c.end;
    if (batch.length >= BATCH) await flush();
  }
  await commitStage(deps, run, async (trx) => {
    await upsertChunks(trx, job.id, batch, job.generation);
    await deleteChunksFrom(trx, job.id, count, job.generation);
    return { chunks: count };
  });
};
