import { type Kysely, type Migration, type MigrationResultSet, Migrator } from "kysely";
import * as m0001 from "./migrations/0001_initial.js";
import * as m0002 from "./migrations/0002_job_releases.js";
import * as m0004 from "./migrations/0004_chunk_structure.js";

/** Migrations in order. Static imports, so a bundled or compiled intake carries them. */
const migrations: Record<string, Migration> = {
  "0001_initial": m0001,
  "0002_job_releases": m0002,
  "0004_chunk_structure": m0004,
};

/**
 * Applies every pending migration. Safe to call from many processes at once: Kysely's
 * Postgres adapter holds a transaction-scoped advisory lock while it migrates, so the second
 * caller waits and then finds nothing left to do.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  // Migrations are written on branches at once, so one numbered lower may land after a higher
  // one has run somewhere (0003 after 0004): Kysely then runs it instead of refusing to start.
  // They must therefore not depend on each other's order unless they say so.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
