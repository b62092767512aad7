import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { dataDirectoryAt } from "../src/db/data-directory.js";
import { relocatedClusterDirectory } from "../src/db/embedded-postgres.js";
import { silentLogger } from "../src/observability/logger.js";
import { openDatabase } from "../src/runtime/local-postgres.js";
import { freePort } from "./helpers/free-port.js";

// Issue 15: the embedded Postgres gets a random password kept in local-state.json, not a fixed
// intake:intake superuser anyone on the machine can log in as.

describe("embedded Postgres password", () => {
  it("is random per data directory, kept in local-state.json, and intake:intake no longer logs in", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "intake-pgpass-"));
    const port = await freePort();
    const config = loadConfig({ INTAKE_DATA_DIR: dataDir, INTAKE_LOCAL_PG_PORT: String(port) });
    const database = await openDatabase(config, silentLogger, 2);
    try {
      const state = JSON.parse(await readFile(path.join(dataDir, "local-state.json"), "utf8"));
      expect(state.postgresPassword).toMatch(/^[\w-]{32}$/);
      expect(database.config.databaseUrl).toContain(`:${encodeURIComponent(state.postgresPassword)}@`);
      expect(await dataDirectoryAt(database.config.databaseUrl!)).toBeTruthy();
      expect(await dataDirectoryAt(`postgres://intake:intake@127.0.0.1:${port}/intake`)).toBeUndefined();
    } finally {
      await database.stop();
      // Run as root, the cluster was kept where the postgres user can reach it (see
      // clusterDirectory); both go, or every run leaves a cluster behind.
      await rm(relocatedClusterDirectory(path.join(dataDir, "postgres")), { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
