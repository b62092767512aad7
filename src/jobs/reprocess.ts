import type { Config } from "../config/index.js";
import type { Db } from "../db/database.js";
import type { JobRow, JobSettings } from "../db/schema.js";
import { reprocessJob } from "../db/sql/reprocess-job.js";
import { effectiveSettings, pipelineKey } from "../pipeline/settings.js";
import { JobError } from "./job-error.js";
import type { ReprocessBody } from "./lifecycle-schemas.js";

export interface ReprocessDeps {
  config: Config;
  db: Db;
}

/** The hash provider's one model; any other model needs an OpenAI-compatible provider. */
const HASH_MODEL = "fnv1a-unigram-bigram-v1";

/**
 * Runs a completed or failed job again from `from`, with `settings` (merged over the job's
 * earlier ones) overriding the process's. A job that reused another's outputs has none of its
 * own to start from, so it runs from parse. The outputs readers see stay the published ones
 * until the run completes (see `reprocessJob` and `endStages`).
 */
export async function reprocess(deps: ReprocessDeps, job: JobRow, body: ReprocessBody): Promise<JobRow> {
  const settings: JobSettings | null =
    body.settings || job.settings ? { ...job.settings, ...stripUndefined(body.settings ?? {}) } : null;
  const effective = effectiveSettings(deps.config, settings);
  if (effective.chunkOverlap >= effective.chunkSize) {
    throw new JobError("unsupported_setting", "chunkOverlap must be smaller than chunkSize");
  }
  if (
    settings?.embedderModel &&
    deps.config.pipeline.embedder.kind !== "openai" &&
    settings.embedderModel !== HASH_MODEL
  ) {
    throw new JobError(
      "unsupported_setting",
      `the configured embedder (hash) has one model, ${HASH_MODEL}; another model needs an OpenAI-compatible embedder`,
    );
  }
  const from = job.reused_from ? "parse" : body.from;
  const result = await reprocessJob(deps.db, {
    tenantId: job.tenant_id,
    id: job.id,
    from,
    settings,
    pipelineKey: pipelineKey(deps.config, settings),
  });
  if (result.outcome === "not_finished") {
    throw new JobError(
      "job_not_finished",
      `the job is ${job.status}; only completed or failed jobs can be reprocessed`,
    );
  }
  if (result.outcome === "outputs_shared") {
    throw new JobError(
      "outputs_shared",
      "other jobs reuse this job's outputs (dedup); new settings would change theirs too: reprocess without settings, or reprocess those jobs first",
    );
  }
  if (result.outcome === "missing_outputs") {
    throw new JobError(
      "outputs_missing",
      `the job has no ${from} input yet; reprocess it from an earlier stage`,
    );
  }
  return result.job;
}

const stripUndefined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
