import { type Command, InvalidArgumentError } from "commander";
import type { Config } from "../config/index.js";
import type { Db } from "../db/database.js";
import { setTenantLimits } from "../db/sql/set-tenant-limits.js";
import { tenantQuotaReports } from "../quotas/index.js";

/** Opens the configured database for one command. */
export type OpenDatabase = () => Promise<{ db: Db; config: Config; stop(): Promise<void> }>;

const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** A limit: a whole number (0: unlimited) or `default` (drop the override). */
const limitArg = (v: string): number | "default" => {
  // Commander turns a parser's null into "", so `default` stays a word until the action.
  if (v === "default") return v;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new InvalidArgumentError("must be a whole number (0: unlimited) or 'default'");
  }
  return Number(v);
};

const tenantArg = (v: string) => {
  if (!TENANT.test(v))
    throw new InvalidArgumentError("must be lowercase letters, digits, - and _ (at most 63)");
  return v;
};

type LimitOpts = Partial<
  Record<"uploadsPerMinute" | "maxBytes" | "maxDocuments" | "maxStreams", number | "default">
>;

/** `intake tenants set-limits|show`: per-tenant quotas, stored in Postgres for every instance. */
export function registerTenantCommands(program: Command, open: OpenDatabase): void {
  const tenants = program.command("tenants").description("per-tenant quotas and rate limits");
  tenants
    .command("set-limits")
    .description("override a tenant's limits (0: unlimited, 'default': the INTAKE_TENANT_* default)")
    .argument("<name>", "tenant id", tenantArg)
    .option("--uploads-per-minute <n>", "uploads created per minute", limitArg)
    .option("--max-bytes <n>", "bytes of live uploads", limitArg)
    .option("--max-documents <n>", "live documents (jobs not expired, cancelled or deleted)", limitArg)
    .option("--max-streams <n>", "open event streams (SSE) across every instance", limitArg)
    .action(async (name: string, opts: LimitOpts) => {
      if (Object.values(opts).every((v) => v === undefined)) {
        console.error(
          "intake tenants set-limits: give at least one of --uploads-per-minute, --max-bytes, --max-documents, --max-streams",
        );
        process.exitCode = 2;
        return;
      }
      const database = await open();
      try {
        const limits = Object.fromEntries(
          Object.entries(opts).map(([k, v]) => [k, v === "default" ? null : v]),
        );
        await setTenantLimits(database.db, name, limits);
        await show(database, name);
      } finally {
        await database.stop();
      }
    });
  tenants
    .command("show")
    .description("a tenant's limits in effect and its usage")
    .argument("<name>", "tenant id", tenantArg)
    .action(async (name: string) => {
      const database = await open();
      try {
        await show(database, name);
      } finally {
        await database.stop();
      }
    });
}

async function show(database: Awaited<ReturnType<OpenDatabase>>, name: string) {
  const defaults = database.config.quotas.tenantDefaults;
  const [report] = await tenantQuotaReports(database.db, defaults, { max: 1, tenant: name });
  const limits = report?.limits ?? defaults;
  const usage = report?.usage ?? { uploadsPerMinute: 0, bytes: 0, documents: 0, streams: 0 };
  const own = new Set(report?.overridden ?? []);
  const line = (label: string, used: number, key: keyof typeof limits) => {
    const limit = limits[key] === 0 ? "unlimited" : String(limits[key]);
    console.log(
      `${label.padEnd(20)}${String(used).padStart(14)} / ${limit}${own.has(key) ? "" : " (default)"}`,
    );
  };
  console.log(`tenant ${name}`);
  line("uploads per minute", usage.uploadsPerMinute, "uploadsPerMinute");
  line("bytes", usage.bytes, "maxBytes");
  line("documents", usage.documents, "maxDocuments");
  line("streams", usage.streams, "maxStreams");
}
