import type { Tx } from "../database.js";
import { safeJson } from "../safe-values.js";

export interface DocumentOutput {
  jobId: string;
  detectedType: string;
  textKey: string;
  textFormat: "plain" | "markdown";
  chars: number;
  pageCount: number;
  pages: unknown[];
  sections: unknown[];
  metadata: Record<string, unknown>;
  /** The job's `generation` (0 until a reprocess). */
  generation?: number;
}

/** One document per job: a rerun of parse replaces it instead of adding a second. */
export async function upsertDocument(trx: Tx, doc: DocumentOutput): Promise<void> {
  const values = {
    job_id: doc.jobId,
    detected_type: doc.detectedType,
    text_key: doc.textKey,
    text_format: doc.textFormat,
    chars: doc.chars,
    page_count: doc.pageCount,
    pages: JSON.stringify(doc.pages) as unknown as unknown[],
    sections: JSON.stringify(safeJson(doc.sections)) as unknown as unknown[],
    metadata: safeJson(doc.metadata),
    generation: doc.generation ?? 0,
  };
  await trx
    .insertInto("documents")
    .values(values)
    .onConflict((oc) =>
      oc.columns(["job_id", "generation"]).doUpdateSet(({ ref }) => ({
        detected_type: ref("excluded.detected_type"),
        text_key: ref("excluded.text_key"),
        text_format: ref("excluded.text_format"),
        chars: ref("excluded.chars"),
        page_count: ref("excluded.page_count"),
        pages: ref("excluded.pages"),
        sections: ref("excluded.sections"),
        metadata: ref("excluded.metadata"),
      })),
    )
    .execute();
}
