import { PassThrough } from "node:stream";
import { Upload } from "@aws-sdk/lib-storage";
import { findReusableJob, upsertDocument } from "../../db/outputs.js";
import { completeWithReusedOutputs } from "../../jobs/stage-outcomes.js";
import type { ParseResult, TextSink } from "../../pipeline/index.js";
import { openObject } from "../../resilience/storage-dependency.js";
import { derivedKeyFor } from "../../storage/object-key.js";
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
  if (reusable) {
    await completeWithReusedOutputs(deps.db, run.fence, reusable.id);
    return;
  }

  const bucket = deps.config.s3.bucket;
  const source = await openObject(deps.storage, deps.s3, bucket, job.object_key, job.object_etag, run.signal);
  const textKey = derivedKeyFor(job.tenant_id, job.id, `text.${job.attempt}.txt`);
  const body = new PassThrough();
  const upload = new Upload({
    client: deps.s3,
    params: { Bucket: bucket, Key: textKey, Body: body, ContentType: "text/plain; charset=utf-8" },
    queueSize: 2,
    partSize: 5 * 1024 * 1024,
  });
  const uploaded = upload.done();
  // Surface an upload failure while parsing continues, rather than only at the end.
  uploaded.catch(() => body.destroy());
  const sink: TextSink = {
    write: (text) =>
      new Promise((resolve, reject) => {
        if (body.destroyed) return reject(new Error("derived text upload failed"));
        body.write(text, "utf8", (err) => (err ? reject(err) : resolve()));
      }),
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
          void progress({
            bytesRead: p.bytesRead,
            bytesTotal: Number(job.size),
            pagesParsed: p.pagesParsed,
          }).catch(() => {});
        },
      },
    );
    body.end();
    await uploaded;
  } catch (err) {
    body.destroy();
    await upload.abort().catch(() => {});
    throw err;
  }
  await commitStage(deps, run, async (trx) => {
    await upsertDocument(trx, {
      jobId: job.id,
      detectedType: result.type,
      textKey,
      chars: result.chars,
      pageCount: result.pageCount,
      pages: result.pages,
      sections: result.sections,
      metadata: result.metadata,
    });
    return { detectedType: result.type, chars: result.chars, pages: result.pageCount };
  });
};
