import { type Kysely, type Migration, type MigrationResultSet, Migrator } from "kysely";
import * as m0001 from "./migrations/0001_initial.js";
import * as m0002 from "./migrations/0002_job_releases.js";
import * as m0003 from "./migrations/0003_document_text_format.js";
import * as m0004 from "./migrations/0004_chunk_structure.js";
import * as m0006 from "./migrations/0006_job_warnings.js";

/** Migrations in order. Static imports, so a bundled or compiled intake carries them. */
const migrations: Record<string, Migration> = {
  "0001_initial": m0001,
  "0002_job_releases": m0002,
  "0003_document_text_format": m0003,
  "0004_chunk_structure": m0004,
  "0006_job_warnings": m0006,
};

/**
 * Applies every pending migration. Safe to call from many processes at once: Kysely's
 * Postgres adapter holds a transaction-scoped advisory lock while it migrates, so the second
 * caller waits and then finds nothing left to do.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  // Migrations written on parallel branches land in any order; each one is independent of the
  // numbers it skipped, so a database that has a later one still gets an earlier one added.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
