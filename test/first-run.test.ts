import { access, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { relocatedClusterDirectory } from "../src/db/embedded-postgres.js";
import { putToUrl } from "./helpers/app.js";
import { S3_KEY, S3_SECRET } from "./helpers/constants.js";
import { freePort } from "./helpers/free-port.js";
import { privateCheckout } from "./helpers/private-checkout.js";
import { type IntakeProcess, spawnIntake } from "./helpers/process-intake.js";

// `intake start` as a new user runs it, as the user this suite runs as (root in CI, where
// Postgres must run as the postgres user), and every start-up failure a test can create.

const isRoot = process.getuid?.() === 0;
const KEY = "first-run-api-key-0123456789";
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** A private temp dir, removed at the end with any cluster relocated for a data dir inside it. */
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "intake-first-run-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const dataDir of [dir, path.join(dir, "data"), path.join(dir, "first"), path.join(dir, "second")]) {
    const relocated = relocatedClusterDirectory(path.join(dataDir, "postgres"));
    cleanups.push(() => rm(relocated, { recursive: true, force: true }));
  }
  return dir;
}

/** The run's MinIO, so that only Postgres is local: the failures below are about it. */
const externalS3 = () => ({
  S3_ENDPOINT: inject("s3Endpoint"),
  S3_ACCESS_KEY_ID: S3_KEY,
  S3_SECRET_ACCESS_KEY: S3_SECRET,
  S3_BUCKET: `first-run-${Math.random().toString(36).slice(2, 8)}`,
});

function track(proc: IntakeProcess): IntakeProcess {
  cleanups.push(() => proc.kill("SIGKILL"));
  return proc;
}

async function uploadAndWait(base: string): Promise<string> {
  const auth = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
  const body = "# First run\n\nA document uploaded to a brand-new intake.\n";
  const created = await fetch(`${base}/v1/uploads`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      filename: "first.md",
      contentType: "text/markdown",
      size: Buffer.byteLength(body),
    }),
  });
  expect(created.status).toBe(201);
  const job = (await created.json()) as {
    id: string;
    upload: { url: string; headers: Record<string, string> };
  };
  expect((await putToUrl(job.upload, body)).status).toBe(200);
  expect(
    (await fetch(`${base}/v1/uploads/${job.id}/complete`, { method: "POST", headers: auth })).status,
  ).toBe(200);
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const res = await fetch(`${base}/v1/jobs/${job.id}`, { headers: auth });
    const { status } = (await res.json()) as { status: string };
    if (status === "completed" || status === "failed") return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  return "timed out";
}

/** Runs `intake start` until it exits; for start-ups that must fail. */
async function failedStart(env: Record<string, string>) {
  const proc = track(
    spawnIntake("start", ["start"], { LOG_LEVEL: "info", PORT: String(await freePort()), ...env }),
  );
  const { code } = await proc.exited;
  const lines = proc.output().trim().split("\n");
  return { code, lines };
}

function occupy(port: number): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(port, "127.0.0.1", () => resolve(server));
    cleanups.push(() => new Promise((r) => server.close(r)));
  });
}

describe("first run", () => {
  it(`starts from a checkout in a fresh 700 directory (${isRoot ? "as root" : "not root"}) and processes an upload`, async () => {
    const checkout = await privateCheckout();
    cleanups.push(checkout.remove);
    const port = await freePort();
    const proc = track(
      spawnIntake(
        "start",
        ["start"],
        {
          LOG_LEVEL: "info",
          PORT: String(port),
          INTAKE_API_KEY: KEY,
          INTAKE_LOCAL_PG_PORT: String(await freePort()),
          INTAKE_LOCAL_S3_PORT: String(await freePort()),
        },
        { bin: checkout.bin, cwd: checkout.dir },
      ),
    );
    await proc.waitForLog((l) => l.msg === "API listening", 90_000);
    expect(await uploadAndWait(`http://127.0.0.1:${port}`)).toBe("completed");

    const requested = path.join(checkout.dir, ".intake", "postgres");
    if (isRoot) {
      // The postgres user cannot enter the 700 directory: the cluster lives where it can.
      const moved = proc.logs.find((l) =>
        String(l.msg).startsWith(`Postgres data for ${requested} is kept in`),
      );
      const relocated = /is kept in (\S+):/.exec(String(moved?.msg))?.[1];
      expect(relocated).toMatch(/^\/var\/lib\/intake\/postgres\/[0-9a-f]{16}$/);
      expect(await exists(path.join(relocated!, "PG_VERSION"))).toBe(true);
      cleanups.push(() => rm(relocated!, { recursive: true, force: true }));
    } else {
      expect(await exists(path.join(requested, "PG_VERSION"))).toBe(true);
    }
    await proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
    expect(proc.output()).not.toMatch(/\n\s+at /);
  }, 150_000);

  it.each([
    ["INTAKE_LOCAL_PG_PORT", "embedded Postgres"],
    ["INTAKE_LOCAL_S3_PORT", "local S3"],
  ])(
    "a taken %s is one line naming the variable, exit 1, and nothing left running",
    async (variable, service) => {
      const dataDir = await tempDir();
      const taken = await freePort();
      await occupy(taken);
      const pgPort = variable === "INTAKE_LOCAL_PG_PORT" ? taken : await freePort();
      const { code, lines } = await failedStart({
        INTAKE_DATA_DIR: dataDir,
        INTAKE_LOCAL_PG_PORT: String(pgPort),
        INTAKE_LOCAL_S3_PORT: String(variable === "INTAKE_LOCAL_S3_PORT" ? taken : await freePort()),
      });
      expect(code).toBe(1);
      expect(lines).toEqual([
        `intake: ${service}: port ${taken} (${variable}) is already in use; set ${variable} to a free port`,
      ]);
      // Postgres, started before S3 failed, was stopped again.
      expect(await exists(path.join(dataDir, "postgres-server.json"))).toBe(false);
      if (variable === "INTAKE_LOCAL_S3_PORT") await expect(occupy(pgPort)).resolves.toBeDefined();
    },
    90_000,
  );

  it("a taken PORT is one line naming PORT, exit 1, found before any service starts", async () => {
    const dataDir = await tempDir();
    const taken = await freePort();
    await occupy(taken);
    const { code, lines } = await failedStart({ INTAKE_DATA_DIR: dataDir, PORT: String(taken) });
    expect(code).toBe(1);
    expect(lines).toEqual([
      `intake: the API's port ${taken} (PORT) is already in use; set PORT to a free port`,
    ]);
    expect(await exists(path.join(dataDir, "postgres-server.json"))).toBe(false);
    expect(await exists(path.join(dataDir, "postgres"))).toBe(false);
  }, 90_000);

  it("a data directory Postgres cannot use is one line naming INTAKE_DATA_DIR, exit 1", async () => {
    const dir = await tempDir();
    let dataDir: string;
    if (isRoot) {
      // A cluster directory owned by root: the postgres user may not open it.
      dataDir = path.join(dir, "data");
      await mkdir(path.join(dataDir, "postgres"), { recursive: true, mode: 0o700 });
      await writeFile(path.join(dataDir, "postgres", "PG_VERSION"), "17\n");
    } else {
      // Not a directory at all.
      dataDir = path.join(dir, "data");
      await writeFile(dataDir, "not a directory");
    }
    const { code, lines } = await failedStart({ ...externalS3(), INTAKE_DATA_DIR: dataDir });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^intake: .*(Postgres|data directory).*INTAKE_DATA_DIR/);
  }, 90_000);

  it("without a MinIO build, starts the development S3 and says how to build MinIO", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const proc = track(
      spawnIntake("start", ["start"], {
        LOG_LEVEL: "info",
        PORT: String(port),
        INTAKE_DATA_DIR: dataDir,
        INTAKE_API_KEY: KEY,
        INTAKE_CACHE_DIR: await tempDir(),
        INTAKE_LOCAL_PG_PORT: String(await freePort()),
        INTAKE_LOCAL_S3_PORT: String(await freePort()),
      }),
    );
    const warning = await proc.waitForLog((l) => String(l.msg).includes("DEVELOPMENT S3"), 90_000);
    expect(warning.msg).toContain("npm run minio:build");
    await proc.waitForLog((l) => l.msg === "API listening", 30_000);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    await proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  }, 120_000);

  it("a second start with another data directory never attaches to the first one's Postgres", async () => {
    const started: { dataDir: string; proc: IntakeProcess }[] = [];
    for (const name of ["first", "second"]) {
      const dataDir = path.join(await tempDir(), name);
      const proc = track(
        spawnIntake(name, ["start"], {
          ...externalS3(),
          LOG_LEVEL: "info",
          PORT: String(await freePort()),
          INTAKE_DATA_DIR: dataDir,
        }),
      );
      await proc.waitForLog((l) => l.msg === "API listening", 90_000);
      started.push({ dataDir, proc });
    }
    const states = await Promise.all(
      started.map(async (s) =>
        JSON.parse(await readFile(path.join(s.dataDir, "postgres-server.json"), "utf8")),
      ),
    );
    expect(states[0].port).not.toBe(states[1].port);
    expect(states[0].dataDirectory).not.toBe(states[1].dataDirectory);
    expect(started[1]!.proc.logs.some((l) => String(l.msg).startsWith("using the embedded Postgres"))).toBe(
      false,
    );
    for (const s of started) {
      await s.proc.kill("SIGTERM");
      expect((await s.proc.exited).code).toBe(0);
      if (isRoot && s.dataDir)
        cleanups.push(() => rm(states[started.indexOf(s)].dataDirectory, { recursive: true, force: true }));
    }
  }, 150_000);
});
