import { execFile } from "node:child_process";
import { mkdtemp, readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadLocalState } from "../src/runtime/local-state.js";

// Issue 15, development services are explicit: `serve` and `worker` without DATABASE_URL or
// S3_ENDPOINT refuse with one line unless --dev, and concurrent first starts agree on one
// local-state.json.

const BIN = fileURLToPath(new URL("../bin/intake", import.meta.url));
const run = promisify(execFile);

async function refusal(args: string[], env: Record<string, string>) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "intake-dev-"));
  const result = await run(BIN, args, {
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, INTAKE_DATA_DIR: dataDir, ...env },
    timeout: 20_000,
  }).then(
    () => ({ code: 0, stderr: "" }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
  return { ...result, dataDir };
}

describe("development services are explicit", () => {
  it.each([
    [["serve"], {}, "DATABASE_URL and S3_ENDPOINT"],
    [["worker"], { DATABASE_URL: "postgres://x@127.0.0.1:1/x" }, "S3_ENDPOINT"],
    [["serve"], { S3_ENDPOINT: "http://127.0.0.1:1" }, "DATABASE_URL"],
  ])("intake %s without services refuses in one line", async (args, env, names) => {
    const { code, stderr, dataDir } = await refusal(args, env);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain(`set ${names}`);
    expect(stderr).toContain("--dev");
    // Nothing was started: no local state, no cluster.
    expect(await readdir(dataDir)).toEqual([]);
  });

  it("20 concurrent first starts agree on one local-state.json", async () => {
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), "intake-race-")), "data");
    const states = await Promise.all(Array.from({ length: 20 }, () => loadLocalState(dir)));
    expect(new Set(states.map((s) => s.apiKey)).size).toBe(1);
    expect(new Set(states.map((s) => s.s3SecretAccessKey)).size).toBe(1);
    expect(await readdir(dir)).toEqual(["local-state.json"]);
  });
});
