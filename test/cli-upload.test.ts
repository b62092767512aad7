import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProgressBoard } from "../src/client/terminal-progress.js";
import type { Worker } from "../src/worker/runtime.js";
import { createTestApp } from "./helpers/app.js";
import { listenOnFreePort, type RunningServer } from "./helpers/client-server.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { startTestWorker } from "./helpers/worker.js";

let ctx: TestContext;
let server: RunningServer;
let worker: Worker;
let dir: string;
beforeAll(async () => {
  ctx = await createTestContext({ INTAKE_RETRY_BASE_MS: "10" });
  server = await listenOnFreePort((await createTestApp(ctx)).app);
  ({ worker } = await startTestWorker(ctx));
  dir = await mkdtemp(path.join(os.tmpdir(), "intake-cli-"));
});
afterAll(async () => {
  await worker?.stop();
  await server?.close();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the real `intake` binary (stdout is a pipe, so it prints plain lines). */
function intake(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "bin/intake",
      args,
      { env: { ...process.env, INTAKE_URL: server.url, INTAKE_API_KEY: API_KEY, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const jobLine = (stdout: string, name: string) =>
  stdout.split("\n").find((l) => /^[0-9a-f-]{36} {2}/.test(l) && l.includes(`  ${name}`));

describe("intake upload / status / watch", () => {
  it("uploads two files with --watch, shows bytes then stages, and exits 0", async () => {
    const a = path.join(dir, "a.txt");
    const b = path.join(dir, "notes.md");
    await writeFile(a, "Alpha file for the CLI. ".repeat(200));
    await writeFile(b, `# Notes\n\n${"Some markdown for the CLI. ".repeat(100)}`);
    const run = await intake(["upload", a, b, "--watch"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/a\.txt {2}100% of/);
    expect(run.stdout).toMatch(/notes\.md {2}uploaded ✓ {2}parse ✓ {2}chunk ✓ {2}embed ✓ {2}completed/);
    const line = jobLine(run.stdout, "a.txt");
    expect(line).toMatch(/ {2}completed {2}a\.txt$/);
    expect(jobLine(run.stdout, "notes.md")).toMatch(/ {2}completed {2}notes\.md$/);

    const id = line!.slice(0, 36);
    const status = await intake(["status", id, "--url", server.url, "--api-key", API_KEY], {
      INTAKE_API_KEY: "",
      INTAKE_URL: "http://127.0.0.1:9",
    });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id, status: "completed", filename: "a.txt" });
    const watched = await intake(["watch", id]);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain(`${id}  completed  a.txt`);
  });

  it("exits non-zero with the reason when a job fails", async () => {
    const bad = path.join(dir, "x.pdf");
    await writeFile(bad, "%PDF-1.7 garbage");
    const run = await intake(["upload", bad, "--watch"]);
    expect(run.code).toBe(1);
    expect(jobLine(run.stdout, "x.pdf")).toMatch(/ {2}failed {2}x\.pdf {2}corrupt_file: /);
  });

  it("exits non-zero when an upload is refused, and 2 without a key", async () => {
    const run = await intake(["upload", path.join(dir, "a.txt")], { INTAKE_API_KEY: "wrong-key-0123456789" });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("unauthorized: unknown or revoked API key");
    const noKey = await intake(["status", "x"], { INTAKE_API_KEY: "" });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("no API key");
  });

  it("redraws one bar per file in place on a TTY", () => {
    let out = "";
    const tty = Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          out += String(chunk);
          done();
        },
      }),
      { isTTY: true },
    );
    const board = new ProgressBoard(tty);
    const one = board.add("one.bin", 100);
    board.add("two.bin", 100);
    board.bytes(one, 50);
    const lastFrame = out.slice(out.lastIndexOf("\x1b[2A"));
    expect(lastFrame).toContain("one.bin  [████████████░░░░░░░░░░░░] 50% of");
    expect(lastFrame).toContain("two.bin  [░░░░░░░░░░░░░░░░░░░░░░░░] 0% of");
  });
});
