import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type Command, InvalidArgumentError } from "commander";
import { getFileUrl, getJob, IntakeError, type Job, openDocument, upload, watchJob } from "../client/node.js";
import { ProgressBoard } from "../client/terminal-progress.js";
import { type ConnectionOpts, connection, withConnection } from "./connection.js";

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1");
  return n;
};

/** Words for a person: the server's problem detail, or the job's failure reason. */
export function describeFailure(err: unknown): string {
  if (err instanceof IntakeError) {
    const job = err.extra.job as Job | undefined;
    if (job?.error) return `${job.status}: ${job.error.code}: ${job.error.message ?? ""}`.trim();
    if (err.code === "network_error") return `cannot reach intake (${err.detail})`;
    return `${err.code}: ${err.detail}`;
  }
  return (err as Error).message;
}

const summary = (job: Job) =>
  `${job.id}  ${job.status}  ${job.filename}${job.error ? `  ${job.error.code}: ${job.error.message ?? ""}` : ""}`;

/**
 * `intake upload FILES... [--watch]`, `intake status ID`, `intake watch ID`: the SDK from a
 * terminal. Exit code 1 when any upload or watched job did not succeed, 2 on usage errors.
 */
export function registerUploadCommands(program: Command): void {
  withConnection(
    program
      .command("upload")
      .description("upload files to intake; with --watch, follow each job to its end")
      .argument("<files...>", "files to upload")
      .option("--watch", "wait for each job to finish and show its stages")
      .option("--concurrency <n>", "parts sent at once per multipart upload", positiveInt, 4),
  ).action(async (files: string[], opts: ConnectionOpts & { watch?: boolean; concurrency: number }) => {
    const client = connection(opts);
    const board = new ProgressBoard(process.stdout);
    const results = await Promise.all(
      files.map(async (file) => {
        const name = path.basename(file);
        const size = await stat(file).then(
          (s) => s.size,
          () => 0,
        );
        const row = board.add(name, size);
        try {
          const { job } = await upload(file, {
            ...client,
            concurrency: opts.concurrency,
            onBytes: (p) => board.bytes(row, p.sent),
            onCreated: (j) => board.note(row, `job ${j.id}`),
            watch: opts.watch ? { onEvent: (e) => board.event(row, e) } : false,
          });
          board.note(row, `job ${job.id}`, job.status);
          return { name, job, ok: true };
        } catch (err) {
          board.note(row, describeFailure(err), "failed");
          return {
            name,
            job: (err as IntakeError).extra?.job as Job | undefined,
            ok: false,
            reason: describeFailure(err),
          };
        }
      }),
    );
    for (const r of results) console.log(r.job ? summary(r.job) : `-  failed  ${r.name}  ${r.reason}`);
    if (results.some((r) => !r.ok)) process.exitCode = 1;
  });

  withConnection(program.command("status").description("show a job").argument("<id>", "job id")).action(
    async (id: string, opts: ConnectionOpts) => {
      const job = await getJob(connection(opts), id).catch((err: unknown) => {
        console.error(`intake status: ${describeFailure(err)}`);
        process.exit(1);
      });
      console.log(JSON.stringify(job, null, 2));
    },
  );

  withConnection(
    program
      .command("get")
      .description("show a job, or with --markdown write its document (Markdown or text) to stdout")
      .argument("<id>", "job id")
      .option("--markdown", "write the job's derived document to stdout (e.g. > out.md)")
      .option("--file-url", "print a short-lived URL that downloads the original file"),
  ).action(async (id: string, opts: ConnectionOpts & { markdown?: boolean; fileUrl?: boolean }) => {
    const client = connection(opts);
    try {
      if (opts.markdown) {
        const res = await openDocument(client, id);
        // Streamed as it arrives: a large document is never held whole.
        await pipeline(Readable.fromWeb(res.body as never), process.stdout);
      } else if (opts.fileUrl) {
        console.log(await getFileUrl(client, id));
      } else {
        console.log(JSON.stringify(await getJob(client, id), null, 2));
      }
    } catch (err) {
      console.error(`intake get: ${describeFailure(err)}`);
      process.exitCode = 1;
    }
  });

  withConnection(
    program.command("watch").description("follow a job to its end").argument("<id>", "job id"),
  ).action(async (id: string, opts: ConnectionOpts) => {
    const client = connection(opts);
    const board = new ProgressBoard(process.stdout);
    let row = -1;
    try {
      const job = await watchJob(client, id, {
        onEvent: (e) => {
          if (row < 0) row = board.add(e.job?.filename ?? id, 0, "queued");
          board.event(row, e);
        },
      });
      console.log(summary(job));
      if (job.status !== "completed") process.exitCode = 1;
    } catch (err) {
      console.error(`intake watch: ${describeFailure(err)}`);
      process.exitCode = 1;
    }
  });
}
