import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";

// Crash recovery: workers register with the Postgres backend of their LISTEN connection, so
// when a worker process dies its jobs go back at once, not when their 30 s leases run out.

let ctx: TestContext;
let t: TestApp;
const children: ChildProcess[] = [];
let hangingPort = 0;
// An embedding provider that never answers: the embed worker holds its jobs until it dies.
const hanging = http.createServer(() => {});

function worker(stages: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn("bin/intake", ["worker", "--stages", stages, "--concurrency", "4"], {
    env: { ...process.env, ...ctx.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}
const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));

beforeAll(async () => {
  await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
  hangingPort = (hanging.address() as AddressInfo).port;
  // The default 30 s lease: recovery in seconds cannot come from the lease running out.
  ctx = await createTestContext({ INTAKE_LEASE_SECONDS: "30" });
  t = await createTestApp(ctx);
});
afterAll(async () => {
  hanging.closeAllConnections();
  hanging.close();
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await ctx.close();
});

describe("crash recovery", () => {
  it("after a SIGKILL of every worker, a restarted worker runs the held jobs long before their leases expire", async () => {
    const front = worker("parse,chunk");
    const ids = await Promise.all(
      Array.from({ length: 3 }, (_, i) => uploadFile(t, `held${i}.txt`, "text/plain", `held document ${i}`)),
    );
    const holder = worker("embed", {
      INTAKE_EMBEDDER: "openai",
      INTAKE_OPENAI_BASE_URL: `http://127.0.0.1:${hangingPort}`,
    });
    const held = await waitForJobs(
      ctx.db,
      ctx.databaseUrl,
      ids,
      (j) => j.status === "running" && j.stage === "embed",
      30_000,
    );
    const deadOwner = held[0]!.lease_owner!;
    expect(deadOwner).toContain(`:${holder.pid}:`);
    const registered = await ctx.db.selectFrom("workers").select("id").execute();
    expect(registered.map((w) => w.id)).toContain(deadOwner);

    // Everything dies at once.
    front.kill("SIGKILL");
    holder.kill("SIGKILL");
    await Promise.all([exited(front), exited(holder)]);

    const restarted = Date.now();
    worker("embed");
    const again = await waitForJobs(
      ctx.db,
      ctx.databaseUrl,
      ids,
      (j) => j.status === "completed" || (j.status === "running" && j.lease_owner !== deadOwner),
      20_000,
    );
    const recoveredMs = Date.now() - restarted;
    // The dead worker's leases had most of their 30 s left: only the registry can have returned
    // them this early. (The bound leaves room for a busy 2-core machine starting a process; the
    // time itself is printed, and is about 2-3 s when the machine is quiet.)
    expect(recoveredMs).toBeLessThan(15_000);
    expect(held.every((j) => j.lease_expires_at!.getTime() > Date.now())).toBe(true);
    expect(again.every((j) => j.lease_owner !== deadOwner)).toBe(true);
    const done = await waitForJobs(ctx.db, ctx.databaseUrl, ids, undefined, 30_000);
    expect(done.map((j) => j.status)).toEqual(["completed", "completed", "completed"]);
    const events = await ctx.db
      .selectFrom("job_events")
      .select(["job_id", "type"])
      .where("job_id", "in", ids)
      .where("type", "=", "lease_expired")
      .execute();
    expect(events).toHaveLength(3);
    const workers = await ctx.db.selectFrom("workers").select("id").execute();
    expect(workers.map((w) => w.id)).not.toContain(deadOwner);
    console.log(`crash recovery: held jobs running again ${recoveredMs} ms after the restart`);
  }, 90_000);
});
