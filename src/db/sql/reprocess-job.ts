import { sql } from "kysely";
import type { Db } from "../database.js";
import { EDGES, type JobStage } from "../job-states.js";
import type { JobRow, JobSettings } from "../schema.js";
import { appendJobEvent } from "./append-job-event.js";
import { notifyQueued } from "./job-events.js";

export type ReprocessOutcome =
  | { outcome: "queued"; job: JobRow }
  | { outcome: "not_finished"; job: JobRow | undefined }
  | { outcome: "missing_outputs"; job: JobRow }
  | { outcome: "outputs_shared"; job: JobRow };

/**
 * Queues a completed or failed job again from `from`, writing the next generation of outputs.
 * The published generation stays what readers see until the run completes (`endStages` flips
 * `output_generation`). The new generation starts from the stage's inputs: from `chunk` the
 * document row is carried over (the same text object), from `embed` the document and the
 * chunks (without vectors). One transaction, under the job's row lock.
 */
export async function reprocessJob(
  db: Db,
  props: { tenantId: string; id: string; from: JobStage; settings: JobSettings | null; pipelineKey: string },
): Promise<ReprocessOutcome> {
  return db.transaction().execute(async (trx) => {
    const job = await trx
      .selectFrom("jobs")
      .selectAll()
      .where("id", "=", props.id)
      .where("tenant_id", "=", props.tenantId)
      .where("status", "in", EDGES.reprocess.from)
      .forUpdate()
      .executeTakeFirst();
    if (!job) return { outcome: "not_finished", job: undefined };
    // Jobs that reuse these outputs read the published generation: new settings would change
    // their outputs under them. Their link needs this row share-locked (completeWithReusedOutputs),
    // so none can appear while this transaction holds it.
    if (props.pipelineKey !== job.pipeline_key) {
      const reuser = await trx
        .selectFrom("jobs")
        .select("id")
        .where("reused_from", "=", job.id)
        .where("status", "<>", "deleted")
        .limit(1)
        .executeTakeFirst();
      if (reuser) return { outcome: "outputs_shared", job };
    }
    const next = job.generation + 1;
    // Chunks are committed in batches: only a job that got past chunking has a whole set.
    if (props.from === "embed" && job.status === "failed" && job.stage !== "embed") {
      return { outcome: "missing_outputs", job };
    }
    if (props.from !== "parse") {
      const { rows } = await sql`
        INSERT INTO documents (job_id, generation, detected_type, text_key, text_format, chars, page_count,
          pages, sections, metadata)
        SELECT job_id, ${next}, detected_type, text_key, text_format, chars, page_count, pages, sections, metadata
        FROM documents WHERE job_id = ${job.id} AND generation = ${job.generation}
        RETURNING job_id`.execute(trx);
      if (rows.length === 0) return { outcome: "missing_outputs", job };
    }
    if (props.from === "embed") {
      await sql`
        INSERT INTO chunks (job_id, generation, seq, text, start_offset, end_offset, page, page_end,
          heading_path, token_count)
        SELECT job_id, ${next}, seq, text, start_offset, end_offset, page, page_end, heading_path, token_count
        FROM chunks WHERE job_id = ${job.id} AND generation = ${job.generation}`.execute(trx);
    }
    const row = await trx
      .updateTable("jobs")
      .set({
        status: "queued",
        stage: props.from,
        attempt: 0,
        releases: 0,
        generation: next,
        settings: props.settings === null ? null : (JSON.stringify(props.settings) as unknown as JobSettings),
        pipeline_key: props.pipelineKey,
        error_code: null,
        error_message: null,
        error_stage: null,
        error_retryable: null,
        finished_at: null,
        run_after: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", job.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendJobEvent(trx, {
      jobId: row.id,
      tenantId: row.tenant_id,
      type: "reprocess_requested",
      data: { status: "queued", from: props.from, generation: next, settings: props.settings },
    });
    await notifyQueued(trx, props.from, [row.id]);
    return { outcome: "queued", job: row };
  });
}
