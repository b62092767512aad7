import type { Command } from "commander";
import { listTenantApiKeys, revokeTenantApiKey } from "../auth/api-keys.js";
import type { Db } from "../db/database.js";

/*
 * `intake keys list|revoke`, beside `keys create` in main.ts. Like `create`, they run against
 * the database (DATABASE_URL, or the embedded Postgres) with `--tenant`, not against the API:
 * key management is what an operator needs precisely when no key works (the first key, a
 * leaked key to revoke at once). Tenants manage their own keys over the API (/v1/keys, the SDK).
 */

export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export type OpenDatabase = () => Promise<{ db: Db; stop(): Promise<void> }>;

function tenantOf(opts: { tenant: string }): string {
  if (!TENANT_PATTERN.test(opts.tenant)) {
    console.error("intake: --tenant must be lowercase letters, digits, - and _ (at most 63)");
    process.exit(2);
  }
  return opts.tenant;
}

async function withDatabase<T>(open: OpenDatabase, run: (db: Db) => Promise<T>): Promise<T> {
  const database = await open();
  try {
    return await run(database.db);
  } finally {
    await database.stop();
  }
}

export function registerKeyCommands(keys: Command, open: OpenDatabase): void {
  keys
    .command("list")
    .description("a tenant's API keys: id, prefix, label, created, last used, revoked (never the key)")
    .requiredOption("--tenant <name>", "tenant id")
    .option("--json", "print JSON")
    .action(async (opts: { tenant: string; json?: boolean }) => {
      const tenant = tenantOf(opts);
      const rows = await withDatabase(open, (db) => listTenantApiKeys(db, tenant));
      if (opts.json) return console.log(JSON.stringify(rows, null, 2));
      for (const k of rows) {
        console.log(
          [
            k.id,
            `${k.prefix}…`,
            k.label ?? "-",
            `created ${k.createdAt}`,
            `last used ${k.lastUsedAt ?? "never"}`,
            ...(k.revokedAt ? [`revoked ${k.revokedAt}`] : []),
          ].join("  "),
        );
      }
    });

  keys
    .command("revoke <id>")
    .description("revoke a key: it and the tokens minted with it answer 401 on every instance at once")
    .requiredOption("--tenant <name>", "tenant id")
    .action(async (id: string, opts: { tenant: string }) => {
      const tenant = tenantOf(opts);
      const ok =
        /^[0-9a-f-]{36}$/i.test(id) && (await withDatabase(open, (db) => revokeTenantApiKey(db, tenant, id)));
      if (!ok) {
        console.error(`intake: tenant ${tenant} has no key ${id}`);
        process.exit(1);
      }
      console.log(`revoked ${id}`);
    });
}
