import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundledEntry } from "../bin/bundle.mjs";
import { parseThreadEntry } from "../src/sandbox/thread-entry.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { freePort } from "./helpers/free-port.js";
import { type IntakeProcess, startServeProcess } from "./helpers/process-intake.js";

// bin/intake runs src/ as one esbuild bundle (bin/bundle.mjs) instead of through tsx. Modules
// that find files next to their sources (the upload page's modules, the parse thread's task)
// must still find them from the bundle, and tsx stays the fallback.

let ctx: TestContext;
const procs: IntakeProcess[] = [];
beforeAll(async () => {
  ctx = await createTestContext();
}, 60_000);
afterAll(async () => {
  for (const p of procs) await p.kill();
  await ctx?.close();
});

describe("the bundled entry", () => {
  it("is built once for the current sources, and every import.meta.url in it names its own source", async () => {
    const first = await bundledEntry();
    expect(await bundledEntry()).toBe(first);
    const code = readFileSync(fileURLToPath(first), "utf8");
    expect(code.includes("import.meta.url")).toBe(false);
    const threadEntry = pathToFileURL(
      fileURLToPath(new URL("../src/sandbox/thread-entry.ts", import.meta.url)),
    );
    expect(code.includes(JSON.stringify(threadEntry.href))).toBe(true);
  });

  it("gives the parse threads a bundle of their own by the same mechanism, not the tsx fallback", async () => {
    const thread = await parseThreadEntry();
    expect(thread).toMatch(/\/node_modules\/\.cache\/intake\/parse-task\.[0-9a-f]{16}\.mjs$/);
    // Built from the same sources as the launcher's bundle, so under the same hash.
    expect(thread.slice(-20)).toBe((await bundledEntry()).slice(-20));
  });

  it("serves the upload page and its compiled modules the same as tsx does", async () => {
    const pages: string[] = [];
    for (const env of [{}, { INTAKE_TSX: "1" }] as Record<string, string>[]) {
      const port = await freePort();
      const proc = await startServeProcess(
        `serve-${pages.length}`,
        { ...ctx.env, LOG_LEVEL: "info", ...env },
        port,
      );
      procs.push(proc);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      // A module compiled on request from src/web, found through import.meta.url.
      const html = await page.text();
      const script = /src="(\/assets\/web\/[a-z0-9-]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const mod = await fetch(`http://127.0.0.1:${port}${script}`);
      expect(mod.status).toBe(200);
      pages.push(`${html}\n${await mod.text()}`);
      await proc.kill();
    }
    expect(pages[0]).toBe(pages[1]);
  }, 60_000);
});
