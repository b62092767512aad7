import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { freePort } from "./helpers/free-port.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe("embedded Postgres", () => {
  it("keeps its data across a restart (the all-in-one default)", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "intake-embedded-"));
    dirs.push(root);
    const dataDir = path.join(root, "postgres");
    const first = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    // As root, a cluster the postgres user cannot reach here lives under /var/lib/intake.
    dirs.push(first.dataDir);
    await query(first.url("intake"), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives')");
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    try {
      expect(await query(second.url("intake"), "SELECT v FROM kept")).toEqual([{ v: "survives" }]);
    } finally {
      await second.stop();
    }
  });
});
