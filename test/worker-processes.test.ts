import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";

let ctx: TestContext;
let t: TestApp;
const children: ChildProcess[] = [];

function startWorkerProcess(concurrency: number): ChildProcess {
  const child = spawn("bin/intake", ["worker", "--concurrency", String(concurrency)], {
    env: { ...process.env, ...ctx.env, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}
const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });

let hangingPort = 0;
const hanging = http.createServer(() => {
  // Never answers: the embed call is in flight when SIGTERM arrives.
});

beforeAll(async () => {
  await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
  hangingPort = (hanging.address() as AddressInfo).port;
  ctx = await createTestContext({ INTAKE_CHUNK_SIZE: "300", INTAKE_CHUNK_OVERLAP: "30" });
  t = await createTestApp(ctx);
});
afterAll(async () => {
  hanging.closeAllConnections();
  hanging.close();
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await ctx.close();
});

describe("worker processes", () => {
  it("200 jobs, 4 workers in 2 processes: each stage runs once per job, no duplicate chunks", async () => {
    const a = startWorkerProcess(2);
    const b = startWorkerProcess(2);
    const ids: string[] = [];
    for (let i = 0; i < 200; i += 20) {
      ids.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, j) =>
            uploadFile(
              t,
              `doc${i + j}.md`,
              "text/markdown",
              `# Doc ${i + j}\n\n${"lorem ipsum ".repeat(60 + j)}`,
            ),
          ),
        )),
      );
    }
    const jobs = await waitForJobs(ctx.db, ctx.databaseUrl, ids, undefined, 120_000);
    expect(jobs.filter((j) => j.status !== "completed")).toEqual([]);

    const stageRuns = await ctx.db
      .selectFrom("job_events")
      .select((eb) => [sql`data->>'stage'`.as("stage"), eb.fn.countAll<string>().as("n")])
      .where("type", "=", "stage_completed")
      .where("job_id", "in", ids)
      .groupBy(["job_id", sql`data->>'stage'`])
      .execute();
    expect(stageRuns).toHaveLength(600);
    expect(stageRuns.every((r) => Number(r.n) === 1)).toBe(true);
    const counts = await sql<{ chunks: string; distinct_chunks: string; embeddings: string }>`
      SELECT count(*) AS chunks, count(DISTINCT (job_id, seq)) AS distinct_chunks,
             (SELECT count(*) FROM embeddings WHERE job_id = ANY(${ids}::uuid[])) AS embeddings
      FROM chunks WHERE job_id = ANY(${ids}::uuid[])`.execute(ctx.db);
    const c = counts.rows[0]!;
    expect(c.chunks).toBe(c.distinct_chunks);
    expect(c.embeddings).toBe(c.chunks);
    // Both processes did work: every stage run was claimed by one of their worker ids
    // (host:pid:random), and each process claimed some.
    const starts = await ctx.db
      .selectFrom("job_events")
      .select(sql<string>`data->>'worker'`.as("worker"))
      .where("type", "=", "stage_started")
      .where("job_id", "in", ids)
      .execute();
    const runsByPid = new Map<number, number>();
    for (const { worker } of starts) {
      const pid = Number(worker.split(":")[1]);
      runsByPid.set(pid, (runsByPid.get(pid) ?? 0) + 1);
    }
    expect([...runsByPid.keys()].sort()).toEqual([a.pid, b.pid].sort());
    for (const runs of runsByPid.values()) expect(runs).toBeGreaterThan(0);
    expect([...runsByPid.values()].reduce((x, y) => x + y, 0)).toBe(starts.length);

    a.kill("SIGTERM");
    b.kill("SIGTERM");
    expect(await exitOf(a)).toBe(0);
    expect(await exitOf(b)).toBe(0);
  });

  it("SIGTERM releases held jobs without spending their attempt and exits 0", async () => {
    const parser = spawn("bin/intake", ["worker", "--stages", "parse,chunk"], {
      env: { ...process.env, ...ctx.env, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(parser);
    const ids = await Promise.all(
      Array.from({ length: 3 }, (_, i) => uploadFile(t, `held${i}.txt`, "text/plain", `held ${i}`)),
    );
    await waitForJobs(
      ctx.db,
      ctx.databaseUrl,
      ids,
      (j) => j.stage === "embed" && j.status === "queued",
      30_000,
    );
    // An embed worker whose provider never answers: it holds all three jobs until told to stop.
    const child = spawn("bin/intake", ["worker", "--stages", "embed", "--concurrency", "3"], {
      env: {
        ...process.env,
        ...ctx.env,
        LOG_LEVEL: "warn",
        INTAKE_EMBEDDER: "openai",
        INTAKE_OPENAI_BASE_URL: `http://127.0.0.1:${hangingPort}`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    await waitForJobs(ctx.db, ctx.databaseUrl, ids, ["running"], 30_000);
    parser.kill("SIGTERM");
    child.kill("SIGTERM");
    expect(await exitOf(child)).toBe(0);
    const rows = await ctx.db.selectFrom("jobs").selectAll().where("id", "in", ids).execute();
    expect(rows.map((r) => [r.status, r.stage, r.attempt, r.lease_owner])).toEqual(
      ids.map(() => ["queued", "embed", 0, null]),
    );
  });
});
