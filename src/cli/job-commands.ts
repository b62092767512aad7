import { type Command, InvalidArgumentError, Option } from "commander";
import {
  deleteJob,
  IntakeError,
  type ReprocessSettings,
  type ReprocessStage,
  reprocessJob,
} from "../client/index.js";
import { type ConnectionOpts, connection, withConnection } from "./connection.js";

const wholeNumber = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number");
  return n;
};

/** Runs a command body; an API refusal is one line on stderr and exit code 1. */
const report = (name: string, run: () => Promise<void>) =>
  run().catch((err: unknown) => {
    const e = err as IntakeError;
    console.error(`intake ${name}: ${err instanceof IntakeError ? `${e.code}: ${e.detail}` : e.message}`);
    process.exitCode = 1;
  });

/** `intake delete ID`, `intake reprocess ID --from chunk [--chunk-size N …]`. */
export function registerJobCommands(program: Command): void {
  withConnection(
    program
      .command("delete")
      .description("delete a job in any state, with its upload, text, chunks and embeddings")
      .argument("<id>", "job id"),
  ).action((id: string, opts: ConnectionOpts) =>
    report("delete", async () => {
      await deleteJob(connection(opts), id);
      console.log(`${id}  deleted`);
    }),
  );

  withConnection(
    program
      .command("reprocess")
      .description("run a completed or failed job again from a stage; its outputs stay readable meanwhile")
      .argument("<id>", "job id")
      .addOption(
        new Option("--from <stage>", "the stage to run from")
          .choices(["parse", "chunk", "embed"])
          .makeOptionMandatory(),
      )
      .option("--chunk-size <n>", "chunk size for this job", wholeNumber)
      .option("--chunk-overlap <n>", "chunk overlap for this job", wholeNumber)
      .option("--embedder-model <model>", "embedding model for this job (OpenAI-compatible embedders)"),
  ).action(
    (
      id: string,
      opts: ConnectionOpts & {
        from: ReprocessStage;
        chunkSize?: number;
        chunkOverlap?: number;
        embedderModel?: string;
      },
    ) =>
      report("reprocess", async () => {
        const settings: ReprocessSettings = {
          ...(opts.chunkSize !== undefined ? { chunkSize: opts.chunkSize } : {}),
          ...(opts.chunkOverlap !== undefined ? { chunkOverlap: opts.chunkOverlap } : {}),
          ...(opts.embedderModel !== undefined ? { embedderModel: opts.embedderModel } : {}),
        };
        const job = await reprocessJob(connection(opts), id, {
          from: opts.from,
          ...(Object.keys(settings).length > 0 ? { settings } : {}),
        });
        console.log(`${job.id}  ${job.status}  from ${opts.from}`);
      }),
  );
}
