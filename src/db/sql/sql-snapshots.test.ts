import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
} from "kysely";
import { describe, expect, it } from "vitest";
import type { Database } from "../schema.js";
import { claimStatement } from "./claim.js";
import { endStagesStatement } from "./end-stages.js";
import { insertJobEventsStatement } from "./job-events.js";

// The SQL text of each statement of the SQL layer, as Postgres receives it, is committed beside
// this file: a change to a query shows in review as a change to its .sql file, and a snapshot
// that no longer matches fails here (update with `npx vitest run -u` and review the diff).

const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const fence = { id: "00000000-0000-4000-8000-000000000001", attempt: 1, workerId: "host:1:abc" };
const statements: Record<string, RawBuilder<unknown>> = {
  claim: claimStatement({ workerId: "host:1:abc", stages: ["parse"], limit: 4, leaseSeconds: 30 }),
  "end-stages": endStagesStatement([{ fence, next: "chunk" }]),
  "insert-job-events": insertJobEventsStatement([{ jobId: fence.id, tenantId: "t", type: "progress" }]),
};

/** Whitespace-normalized, so re-indenting a template literal is not a change. */
const normalize = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n");

describe("SQL snapshots", () => {
  it.each(Object.entries(statements))("%s.sql matches the statement", async (name, statement) => {
    const { sql: text, parameters } = statement.compile(compiler);
    await expect(`${normalize(text)}\n-- ${parameters.length} parameters\n`).toMatchFileSnapshot(
      `./__snapshots__/${name}.sql`,
    );
  });
});
