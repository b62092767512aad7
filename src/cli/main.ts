import { Command, InvalidArgumentError } from "commander";
import { createApiKey } from "../auth/api-keys.js";
import { ConfigError, loadConfig } from "../config/index.js";
import { JOB_STAGES } from "../jobs/state-machine.js";
import { createLogger } from "../observability/logger.js";
import { openDatabase } from "../runtime/local-postgres.js";
import { parseStages } from "../worker/runtime.js";
import { registerJobCommands } from "./job-commands.js";
import { registerKeyCommands } from "./key-commands.js";
import { run } from "./server.js";
import { registerTenantCommands } from "./tenant-commands.js";
import { registerUploadCommands } from "./upload-commands.js";
import { registerWebhookCommands } from "./webhook-commands.js";

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1");
  return n;
};
const portArg = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("must be a port number (0-65535)");
  return n;
};
const stagesArg = (v: string) => {
  try {
    return parseStages(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

function config() {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`intake: configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * `serve` and `worker` are the production roles: with DATABASE_URL or S3_ENDPOINT unset they
 * would quietly start an embedded Postgres or a local S3 of their own, each process its own,
 * so they refuse with one line unless `--dev` asks for exactly that.
 */
function requireServices(command: string, dev: boolean | undefined) {
  const missing = ["DATABASE_URL", "S3_ENDPOINT"].filter((name) => !process.env[name]);
  if (missing.length === 0 || dev) return;
  console.error(
    `intake ${command}: set ${missing.join(" and ")} (S3_ENDPOINT with S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY), or pass --dev to run local development services, or use \`intake start\``,
  );
  process.exit(2);
}

/**
 * What `intake start` says, with its URL once running (a failed start stays one line), about the
 * development services it runs where nothing is configured.
 */
function localServicesNotice(cfg: ReturnType<typeof config>): string | undefined {
  const local = [
    cfg.databaseUrl ? null : "an embedded Postgres (DATABASE_URL is not set)",
    cfg.s3.endpoint ? null : "a local S3 on 127.0.0.1 (S3_ENDPOINT is not set)",
  ].filter(Boolean);
  if (local.length === 0) return undefined;
  return `  DEVELOPMENT SERVICES — running ${local.join(" and ")}, with data in ${cfg.dataDir}.\n  For production, set DATABASE_URL and S3_ENDPOINT and run \`intake serve\` and \`intake worker\`.\n`;
}

const program = new Command("intake").description("Object-storage ingestion pipeline").showHelpAfterError();

program
  .command("start")
  .description(
    "all in one: embedded Postgres and local S3 where none is configured, migrations, API and every worker stage",
  )
  .option("--concurrency <n>", "jobs per worker stage group", positiveInt, 4)
  .action(async (opts: { concurrency: number }) => {
    const cfg = config();
    await run(cfg, {
      api: true,
      stages: [...JOB_STAGES],
      concurrency: opts.concurrency,
      notice: localServicesNotice(cfg),
    });
  });

program
  .command("serve")
  .description("the HTTP API and the upload reconciler, no workers")
  .option("--dev", "start local development Postgres and S3 for what is not configured")
  .action(async (opts: { dev?: boolean }) => {
    requireServices("serve", opts.dev);
    await run(config(), { api: true, stages: [], concurrency: 0 });
  });

program
  .command("worker")
  .description("a worker process for some stages")
  .option("--stages <list>", "comma-separated stages", stagesArg, [...JOB_STAGES])
  .option("--concurrency <n>", "jobs held at once", positiveInt, 4)
  .option(
    "--metrics-port <port>",
    "serve this worker's /metrics on a port (0: any free one); also INTAKE_METRICS_PORT",
    portArg,
  )
  .option("--dev", "start local development Postgres and S3 for what is not configured")
  .action(
    async (opts: {
      stages: (typeof JOB_STAGES)[number][];
      concurrency: number;
      metricsPort?: number;
      dev?: boolean;
    }) => {
      requireServices("worker", opts.dev);
      await run(config(), {
        api: false,
        stages: opts.stages,
        concurrency: opts.concurrency,
        metricsPort: opts.metricsPort,
      });
    },
  );

program
  .command("migrate")
  .description("apply database migrations and exit")
  .action(async () => {
    const database = await openDatabase(config(), createLogger("warn"));
    console.log("migrations applied");
    await database.stop();
  });

const keys = program.command("keys").description("API keys");
keys
  .command("create")
  .description("create an API key for a tenant (printed once; only its hash is stored)")
  .requiredOption("--tenant <name>", "tenant id: lowercase letters, digits, - and _")
  .option("--label <text>", "what the key is for, shown by `keys list`")
  .action(async (opts: { tenant: string; label?: string }) => {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(opts.tenant)) {
      console.error("intake: --tenant must be lowercase letters, digits, - and _ (at most 63)");
      process.exit(2);
    }
    const database = await openDatabase(config(), createLogger("warn"));
    console.log(await createApiKey(database.db, opts.tenant, opts.label));
    await database.stop();
  });

registerKeyCommands(keys, () => openDatabase(config(), createLogger("warn")));
registerUploadCommands(program);
registerWebhookCommands(program);
registerJobCommands(program);
registerTenantCommands(program, async () => {
  const cfg = config();
  const database = await openDatabase(cfg, createLogger("warn"));
  return { db: database.db, config: cfg, stop: () => database.stop() };
});

// Whatever stops intake, at start-up or later, is one line on stderr and exit code 1; the stack
// is for developers (LOG_LEVEL=debug), not for the person starting intake.
const fail = (err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`intake: ${message.split("\n")[0]}`);
  if (process.env.LOG_LEVEL === "debug" || process.env.LOG_LEVEL === "trace") console.error(err);
  process.exit(1);
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  fail(err);
}
