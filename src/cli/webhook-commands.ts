import { type Command, InvalidArgumentError } from "commander";
import {
  createWebhook,
  deleteWebhook,
  IntakeError,
  listWebhooks,
  type WebhookEventType,
} from "../client/index.js";
import { type ConnectionOpts, connection, withConnection } from "./connection.js";

const EVENT_TYPES: WebhookEventType[] = [
  "job.completed",
  "job.failed",
  "upload.rejected",
  "job.expired",
  "job.cancelled",
  "job.deleted",
];

const eventList = (v: string) => {
  const events = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = events.find((e) => !(EVENT_TYPES as string[]).includes(e));
  if (bad) throw new InvalidArgumentError(`unknown event "${bad}"; events are ${EVENT_TYPES.join(", ")}`);
  return events as WebhookEventType[];
};

/** Runs a command body; an API refusal is one line on stderr and exit code 1. */
const report = (name: string, run: () => Promise<void>) =>
  run().catch((err: unknown) => {
    const e = err as IntakeError;
    console.error(
      `intake webhooks ${name}: ${err instanceof IntakeError ? `${e.code}: ${e.detail}` : e.message}`,
    );
    process.exitCode = 1;
  });

/** `intake webhooks add|list|remove`: the tenant's outbound webhook endpoints. */
export function registerWebhookCommands(program: Command): void {
  const webhooks = program.command("webhooks").description("outbound webhook endpoints (Standard Webhooks)");
  withConnection(
    webhooks
      .command("add")
      .description("add an endpoint; prints its signing secret once")
      .argument("<url>", "https URL to POST events to")
      .option(
        "--events <list>",
        `comma-separated event types (default: all): ${EVENT_TYPES.join(", ")}`,
        eventList,
      )
      .option("--description <text>", "a note for people"),
  ).action((url: string, opts: ConnectionOpts & { events?: WebhookEventType[]; description?: string }) =>
    report("add", async () => {
      const created = await createWebhook(connection(opts), {
        url,
        ...(opts.events ? { events: opts.events } : {}),
        ...(opts.description ? { description: opts.description } : {}),
      });
      console.log(`${created.id}  ${created.url}  ${created.events.join(",")}`);
      console.log(`secret (shown once; verify signatures with it): ${created.secret}`);
    }),
  );
  withConnection(webhooks.command("list").description("list endpoints")).action((opts: ConnectionOpts) =>
    report("list", async () => {
      for (const w of await listWebhooks(connection(opts))) {
        const state = w.enabled ? "enabled" : `disabled (${w.disabledReason ?? "?"})`;
        console.log(`${w.id}  ${w.url}  ${w.allEvents ? "all events" : w.events.join(",")}  ${state}`);
      }
    }),
  );
  withConnection(
    webhooks.command("remove").description("remove an endpoint").argument("<id>", "endpoint id"),
  ).action((id: string, opts: ConnectionOpts) =>
    report("remove", async () => {
      await deleteWebhook(connection(opts), id);
      console.log(`removed ${id}`);
    }),
  );
}
