import { type Kysely, type Migration, type MigrationResultSet, Migrator } from "kysely";
import * as m0001 from "./migrations/0001_initial.js";
import * as m0002 from "./migrations/0002_job_releases.js";
import * as m0003 from "./migrations/0003_document_text_format.js";
import * as m0004 from "./migrations/0004_chunk_structure.js";
import * as m0005 from "./migrations/0005_webhooks.js";
import * as m0006 from "./migrations/0006_job_warnings.js";
import * as m0007 from "./migrations/0007_delete_reprocess.js";
import * as m0008 from "./migrations/0008_keys.js";
import * as m0009 from "./migrations/0009_fair_claiming.js";
import * as m0010 from "./migrations/0010_quotas.js";
import * as m0012 from "./migrations/0012_workers.js";
import * as m0013 from "./migrations/0013_lighter_transitions.js";
import * as m0014 from "./migrations/0014_lease_only_when_running.js";
import * as m0015 from "./migrations/0015_fewer_transition_writes.js";

/** Migrations in order. Static imports, so a bundled or compiled intake carries them. */
const migrations: Record<string, Migration> = {
  "0001_initial": m0001,
  "0002_job_releases": m0002,
  "0003_document_text_format": m0003,
  "0004_chunk_structure": m0004,
  "0005_webhooks": m0005,
  "0006_job_warnings": m0006,
  "0007_delete_reprocess": m0007,
  "0008_keys": m0008,
  "0009_fair_claiming": m0009,
  "0010_quotas": m0010,
  "0012_workers": m0012,
  "0013_lighter_transitions": m0013,
  "0014_lease_only_when_running": m0014,
  "0015_fewer_transition_writes": m0015,
};

/** Every migration's name, in the order they are applied to an empty database. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations).sort();

/**
 * Applies every pending migration. Safe to call from many processes at once: Kysely's
 * Postgres adapter holds a transaction-scoped advisory lock while it migrates, so the second
 * caller waits and then finds nothing left to do.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  // Kysely runs migrations in name order. Branches add migrations concurrently (0003, 0004
  // and 0005 were written side by side), so a database may already hold a later name when an
  // earlier one arrives: allowUnorderedMigrations applies it instead of refusing to migrate.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
    // By code point, not locale: "0010_x" must follow "0009_y" on every machine.
    nameComparator: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
