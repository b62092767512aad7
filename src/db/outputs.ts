import { sql } from "kysely";
import type { Db, Tx } from "./database.js";
import { safeJson, safeText } from "./safe-values.js";
import type { JobRow } from "./schema.js";

export interface DocumentOutput {
  jobId: string;
  detectedType: string;
  textKey: string;
  chars: number;
  pageCount: number;
  pages: unknown[];
  sections: unknown[];
  metadata: Record<string, unknown>;
}

/** One document per job: a rerun of parse replaces it instead of adding a second. */
export async function upsertDocument(trx: Tx, doc: DocumentOutput): Promise<void> {
  const values = {
    job_id: doc.jobId,
    detected_type: doc.detectedType,
    text_key: doc.textKey,
    chars: doc.chars,
    page_count: doc.pageCount,
    pages: JSON.stringify(doc.pages) as unknown as unknown[],
    sections: JSON.stringify(safeJson(doc.sections)) as unknown as unknown[],
    metadata: safeJson(doc.metadata),
  };
  await trx
    .insertInto("documents")
    .values(values)
    .onConflict((oc) =>
      oc.column("job_id").doUpdateSet(({ ref }) => ({
        detected_type: ref("excluded.detected_type"),
        text_key: ref("excluded.text_key"),
        chars: ref("excluded.chars"),
        page_count: ref("excluded.page_count"),
        pages: ref("excluded.pages"),
        sections: ref("excluded.sections"),
        metadata: ref("excluded.metadata"),
      })),
    )
    .execute();
}

export function findDocument(db: Db, jobId: string) {
  return db.selectFrom("documents").selectAll().where("job_id", "=", jobId).executeTakeFirst();
}

/** A chunk as stored: the chunker's output has this shape. */
export interface ChunkRow {
  seq: number;
  text: string;
  start: number;
  end: number;
  page: number | null;
  tokenCount: number;
}

/**
 * Writes a batch of chunks keyed by (job, seq): a rerun overwrites the same rows, so chunking
 * twice leaves one set (chunking is deterministic for the same text and settings).
 */
export async function upsertChunks(trx: Tx, jobId: string, chunks: ChunkRow[]): Promise<void> {
  if (chunks.length === 0) return;
  await sql`
    WITH incoming AS (
      SELECT * FROM unnest(
        ${sql.val(chunks.map((c) => c.seq))}::int[], ${sql.val(chunks.map((c) => safeText(c.text)))}::text[],
        ${sql.val(chunks.map((c) => c.start))}::bigint[], ${sql.val(chunks.map((c) => c.end))}::bigint[],
        ${sql.val(chunks.map((c) => c.page))}::int[], ${sql.val(chunks.map((c) => c.tokenCount))}::int[])
        AS t(seq, text, start_offset, end_offset, page, token_count)
    )
    INSERT INTO chunks (job_id, seq, text, start_offset, end_offset, page, token_count)
    SELECT ${jobId}::uuid, seq, text, start_offset, end_offset, page, token_count FROM incoming
    ON CONFLICT (job_id, seq) DO UPDATE SET text = excluded.text, start_offset = excluded.start_offset,
      end_offset = excluded.end_offset, page = excluded.page, token_count = excluded.token_count`.execute(
    trx,
  );
}

/** Removes chunks past the last one a (re)run produced. */
export async function deleteChunksFrom(trx: Tx, jobId: string, fromSeq: number): Promise<void> {
  await trx.deleteFrom("chunks").where("job_id", "=", jobId).where("seq", ">=", fromSeq).execute();
}

export function readChunksAfter(db: Db, jobId: string, afterSeq: number, limit: number) {
  return db
    .selectFrom("chunks")
    .select(["id", "seq", "text"])
    .where("job_id", "=", jobId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
}

export async function upsertEmbeddings(
  trx: Tx,
  jobId: string,
  model: string,
  rows: { chunkId: string; vector: number[] }[],
): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto("embeddings")
    .values(
      rows.map((r) => ({
        chunk_id: r.chunkId,
        job_id: jobId,
        model,
        dimensions: r.vector.length,
        vector: r.vector,
      })),
    )
    .onConflict((oc) =>
      oc.column("chunk_id").doUpdateSet(({ ref }) => ({
        model: ref("excluded.model"),
        dimensions: ref("excluded.dimensions"),
        vector: ref("excluded.vector"),
      })),
    )
    .execute();
}

/** A completed job of the same tenant, content and pipeline settings whose outputs can be reused. */
export function findReusableJob(db: Db, job: JobRow) {
  if (!job.content_sha256) return Promise.resolve(undefined);
  return db
    .selectFrom("jobs")
    .select(["id"])
    .where("tenant_id", "=", job.tenant_id)
    .where("content_sha256", "=", job.content_sha256)
    .where("pipeline_key", "=", job.pipeline_key)
    .where("status", "=", "completed")
    .where("id", "!=", job.id)
    .orderBy("finished_at")
    .limit(1)
    .executeTakeFirst();
}

export function listChunks(
  db: Db,
  jobId: string,
  opts: { afterSeq: number; limit: number; embeddings: boolean },
) {
  let q = db
    .selectFrom("chunks as c")
    .select(["c.seq", "c.text", "c.start_offset", "c.end_offset", "c.page", "c.token_count"])
    .where("c.job_id", "=", jobId)
    .where("c.seq", ">", opts.afterSeq)
    .orderBy("c.seq")
    .limit(opts.limit);
  if (opts.embeddings) {
    q = q
      .leftJoin("embeddings as e", "e.chunk_id", "c.id")
      .select(["e.model", "e.dimensions", "e.vector"]) as unknown as typeof q;
  }
  return q.execute();
}
