import { LeaseLostError } from "../../db/fence.js";
import { completeWithReusedOutputs } from "../../db/sql/complete-with-reused-outputs.js";
import { findReusableJob } from "../../db/sql/find-reusable-job.js";
import { setJobWarnings } from "../../db/sql/set-job-warnings.js";
import { upsertDocument } from "../../db/sql/upsert-document.js";
import type { ParseResult, TextSink } from "../../pipeline/index.js";
import { derivedTextKey } from "../../storage/object-key.js";
import { commitStage, progressReporter, type StageHandler } from "../stage.js";

/**
 * parse: streams the upload through the sandboxed parser and the parser's text to a derived
 * object, so neither the file nor its text is ever whole in memory, and no document code runs
 * on this thread. The text key carries the attempt:
 * a stale worker still writing leaves an orphan object, never the one the document row names.
 */
export const parseStage: StageHandler = async (deps, run) => {
  const { job } = run;
  const reusable = await findReusableJob(deps.db, job);
  // False when the source was deleted meanwhile: then this job is processed on its own.
  if (reusable && (await completeWithReusedOutputs(deps.db, run.fence, reusable.id))) return;

  const source = await deps.store.open(job.object_key, { ifMatch: job.object_etag, signal: run.signal });
  // The format is known only after detection, so the key names the attempt, not the format;
  // the document row records whether the text is Markdown (text_format).
  // A reprocess writes a new generation beside the published one, which stays readable.
  const textKey = derivedTextKey(job.tenant_id, job.id, job.generation, job.attempt);
  const text = deps.store.writer(textKey, "text/plain; charset=utf-8");
  // A copy of a small text for the chunk stage this worker chains to (deps.handoff). Not kept
  // when another worker will chunk it: nobody here would take it.
  const kept = run.chain?.serves("chunk") ? deps.handoff.collector() : undefined;
  const sink: TextSink = {
    write: (chunk) => {
      kept?.add(chunk);
      return text.write(chunk);
    },
  };
  const progress = progressReporter(deps, run);
  let result: ParseResult;
  try {
    result = await deps.parser.parse(
      source,
      { declaredContentType: job.content_type, filename: job.filename, size: Number(job.size) },
      sink,
      {
        signal: run.signal,
        onProgress: (p) => {
          // Each page OCR reads is an event: OCR is slow enough for every page to show.
          const ocred = p.pagesOcred !== undefined;
          void progress(
            {
              bytesRead: p.bytesRead,
              bytesTotal: Number(job.size),
              pagesParsed: p.pagesParsed,
              ...(ocred ? { pagesOcred: p.pagesOcred, pagesTotal: p.pagesTotal } : {}),
            },
            ocred,
          ).catch(() => {});
        },
      },
    );
    await text.close();
  } catch (err) {
    await text.abort();
    throw err;
  }
  const committed = commitStage(deps, run, async (trx, locked) => {
    await upsertDocument(trx, {
      jobId: job.id,
      generation: job.generation,
      detectedType: result.type,
      textKey,
      textFormat: result.textFormat,
      chars: result.chars,
      pageCount: result.pageCount,
      pages: result.pages,
      sections: result.sections,
      metadata: result.metadata,
    });
    // Written when there is something to say or to clear (a rerun that now reads every page).
    if (result.warnings.length > 0 || locked.warnings.length > 0) {
      await setJobWarnings(trx, job.id, result.warnings);
    }
    return {
      detectedType: result.type,
      chars: result.chars,
      pages: result.pageCount,
      ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
    };
  });
  try {
    await committed;
    kept?.offerAs(textKey);
  } catch (err) {
    // The lease was lost (a takeover, or a DELETE): no document row will name this attempt's
    // text, so remove it now rather than leave it to the purge's grace period.
    if (err instanceof LeaseLostError) await deps.store.delete(textKey).catch(() => {});
    throw err;
  }
  for (const warning of result.warnings) deps.metrics.documentWarnings.inc({ warning, type: result.type });
};
