import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteJob, getJob, IntakeError, reprocessJob, updateJobMetadata } from "../src/client/index.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { listenOnFreePort, type RunningServer } from "./helpers/client-server.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";
import { startTestWorker } from "./helpers/worker.js";

let ctx: TestContext;
let t: TestApp;
let server: RunningServer;
beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
  server = await listenOnFreePort(t.app);
});
afterAll(async () => {
  await server?.close();
  await ctx?.close();
});

/** Runs the real `intake` binary. */
function intake(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "bin/intake",
      args,
      { env: { ...process.env, INTAKE_URL: server.url, INTAKE_API_KEY: API_KEY }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function complete(id: string) {
  const { worker, deps } = await startTestWorker(ctx);
  try {
    await waitForJobs(ctx.db, ctx.databaseUrl, [id]);
  } finally {
    await worker.stop();
    await deps.parser.close();
  }
}

const TEXT = "A sentence about lifecycle commands. ".repeat(200);

describe("intake reprocess / delete, and the SDK", () => {
  it("reprocesses with settings, updates metadata, and deletes", async () => {
    const client = { url: server.url, apiKey: API_KEY };
    const id = await uploadFile(t, "cli.txt", "text/plain", TEXT);
    await complete(id);

    const re = await intake([
      "reprocess",
      id,
      "--from",
      "chunk",
      "--chunk-size",
      "400",
      "--chunk-overlap",
      "40",
    ]);
    expect(re.stderr).toBe("");
    expect(re).toMatchObject({ code: 0, stdout: `${id}  queued  from chunk\n` });
    const row = await ctx.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.settings).toEqual({ chunkSize: 400, chunkOverlap: 40 });
    // Not finished: a second reprocess is refused, through the SDK too.
    await expect(reprocessJob(client, id, { from: "embed" })).rejects.toMatchObject({
      code: "job_not_finished",
    });
    await complete(id);

    const job = await updateJobMetadata(client, id, { owner: "cli-test" });
    expect(job.metadata).toEqual({ owner: "cli-test" });

    const del = await intake(["delete", id]);
    expect(del).toMatchObject({ code: 0, stdout: `${id}  deleted\n` });
    const gone = await getJob(client, id).catch((err: unknown) => err);
    expect(gone).toBeInstanceOf(IntakeError);
    expect((gone as IntakeError).code).toBe("not_found");
    const again = await intake(["delete", id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("not_found");
    await expect(deleteJob(client, id)).rejects.toMatchObject({ code: "not_found" });
  });
});
