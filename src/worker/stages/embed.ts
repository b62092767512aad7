import { countOutputs } from "../../db/sql/count-outputs.js";
import { pruneGenerations } from "../../db/sql/prune-generations.js";
import { readChunksAfter } from "../../db/sql/read-chunks-after.js";
import { upsertEmbeddingsFenced } from "../../db/sql/upsert-embeddings.js";
import { createProvider } from "../deps.js";
import { progressReporter, type StageHandler } from "../stage.js";

const BATCH = 64;

/**
 * embed: reads chunks in seq order, embeds them in batches through the guarded provider and
 * upserts one vector per chunk, so a rerun replaces vectors instead of adding them.
 */
export const embedStage: StageHandler = async (deps, run) => {
  const { job } = run;
  // A job's own model (a reprocess with settings) overrides the process's.
  const wanted = job.settings?.embedderModel;
  const provider =
    wanted && wanted !== deps.provider.model ? createProvider(deps.config, wanted) : deps.provider;
  const progress = progressReporter(deps, run);
  let after = -1;
  let done = 0;
  let total: number | undefined;
  for (;;) {
    const rows = await readChunksAfter(deps.db, job.id, after, BATCH, job.generation);
    if (rows.length === 0) break;
    // For progress: a short first batch is every chunk there is; only a longer job counts them.
    total ??=
      rows.length < BATCH ? rows.length : (await countOutputs(deps.db, job.id, job.generation)).chunks;
    const vectors = await deps.embedder.call(() =>
      provider.embed(
        rows.map((r) => r.text),
        run.signal,
      ),
    );
    await upsertEmbeddingsFenced(
      deps.db,
      run.fence,
      provider.model,
      rows.map((r, i) => ({ chunkId: r.id, vector: vectors[i]! })),
    );
    done += rows.length;
    after = rows.at(-1)!.seq;
    await progress({ chunksEmbedded: done, chunksTotal: total });
    // A short batch was the last: no need to ask again for an empty one.
    if (rows.length < BATCH) break;
  }
  // The vectors are already written under the fence; only the transition is left, and it is
  // batched with other jobs' (one transaction for many) since it carries no outputs.
  await deps.completions.complete(job, run.fence, { embeddings: done, model: provider.model });
  // The completion published this generation; the one it replaced is no longer read.
  if (job.generation > 0) {
    for (const key of await pruneGenerations(deps.db, job.id)) await deps.store.delete(key);
  }
};
