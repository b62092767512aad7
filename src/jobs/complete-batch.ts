import type { Db } from "../db/database.js";
import { type Fence, LeaseLostError } from "../db/fence.js";
import type { WorkerJob } from "../db/schema.js";
import { endStagesReturningIds } from "../db/sql/end-stages.js";

interface Pending {
  job: WorkerJob;
  fence: Fence;
  detail: Record<string, unknown>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface StageCompletionBatcherProps {
  db: Db;
  /** Most completions written by one transaction. */
  maxBatch?: number;
}

/**
 * Ends many stages in one transaction, through `endStagesReturningIds` (the statements of
 * `endStages`, answering with ids), for stages whose outputs were already written under the
 * fence (embed writes its vectors with `upsertEmbeddingsFenced`, a no-op stage writes none). Completions that arrive while a batch commits wait for the next
 * one, so batches grow with load and a lone completion is written at once (no timer).
 *
 * Why: `commitStage` costs 7 round trips per job (BEGIN, SELECT … FOR UPDATE, UPDATE, INSERT
 * event, NOTIFY, NOTIFY queue, COMMIT) and one commit; this costs 4 statements and one commit
 * per batch. On a 2-core box that is the difference between ~1,000 and several thousand no-op
 * stages per second (see `npm run bench`).
 *
 * The fence is the UPDATE's WHERE (owner, attempt, stage, running): a completion whose lease was lost
 * changes zero rows and its caller gets LeaseLostError; the others in the batch are unaffected.
 */
export class StageCompletionBatcher {
  readonly #db: Db;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #flushing = false;

  constructor(props: StageCompletionBatcherProps) {
    this.#db = props.db;
    this.#maxBatch = props.maxBatch ?? 500;
  }

  /** Resolves when this job's stage end has committed; rejects with LeaseLostError if the fence failed. */
  complete(job: WorkerJob, fence: Fence, detail: Record<string, unknown> = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, fence, detail, resolve, reject });
      if (!this.#flushing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#flushing = true;
    // Let the completions of the same tick join the first batch.
    await new Promise((r) => setImmediate(r));
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        try {
          const done = await writeBatch(this.#db, batch);
          for (const p of batch) {
            if (done.has(p.fence.id)) p.resolve();
            else p.reject(new LeaseLostError(p.fence));
          }
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}

function writeBatch(db: Db, batch: Pending[]): Promise<Set<string>> {
  return db.transaction().execute(async (trx) => {
    const ended = await endStagesReturningIds(
      trx,
      batch.map((p) => ({ job: p.job, fence: p.fence, detail: p.detail })),
    );
    return new Set(ended);
  });
}
