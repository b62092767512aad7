import { Kysely, PostgresDialect, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { compiledOnce } from "./compiled-once.js";
import type { Db } from "./database.js";
import {
  type ClaimOptions,
  claimAnnouncedCompiled,
  claimAnnouncedStatement,
  claimCompiled,
  claimStatement,
} from "./sql/claim.js";

// Compiles only; nothing connects.
const db = new Kysely({ dialect: new PostgresDialect({ pool: {} as never }) }) as unknown as Db;
const plain = (q: { sql: string; parameters: readonly unknown[] }) => ({
  sql: q.sql,
  parameters: q.parameters,
});

describe("compiledOnce", () => {
  it("gives what a fresh build and compile of the claims gives, for any values", () => {
    const cases: ClaimOptions[] = [
      { workerId: "w1", stages: ["parse"], limit: 4, leaseSeconds: 30, maxRunningPerStage: null },
      {
        workerId: "host:42:abc",
        stages: ["parse", "chunk", "embed"],
        limit: 512,
        leaseSeconds: 5,
        maxRunningPerStage: 3,
      },
      { workerId: "w2", stages: ["embed"], limit: 1, leaseSeconds: 120 },
    ];
    for (const opts of cases) {
      expect(plain(claimCompiled.compile(db, opts))).toEqual(plain(claimStatement(opts).compile(db)));
      const announced = { ...opts, jobIds: ["0b6f3c2e-5d0e-4a57-9a51-6a8f2a1f9c01"] };
      expect(plain(claimAnnouncedCompiled.compile(db, announced))).toEqual(
        plain(claimAnnouncedStatement(announced).compile(db)),
      );
    }
  });

  it("refuses a statement whose text a value shapes", () => {
    const lit = compiledOnce<{ n: number }, unknown>(["n"], ({ n }) => sql`SELECT ${sql.lit(n)}`);
    // Kysely itself refuses to inline the stand-in; either way nothing is cached.
    expect(() => lit.compile(db, { n: 1 })).toThrow();
    expect(() => lit.compile(db, { n: 1 })).toThrow();
    const dropped = compiledOnce<{ a: number; b: number }, unknown>(
      ["a", "b"],
      ({ a }) => sql`SELECT ${a}::int`,
    );
    expect(() => dropped.compile(db, { a: 1, b: 2 })).toThrow(/b/);
  });

  it("refuses a builder that turns a value into text, a number, JSON or a length", () => {
    const builders = [
      compiledOnce<{ s: string }, unknown>(["s"], ({ s }) => sql`SELECT ${`prefix:${s}`}::text`),
      compiledOnce<{ n: number }, unknown>(["n"], ({ n }) => sql`SELECT ${n * 2}::int`),
      compiledOnce<{ o: object }, unknown>(["o"], ({ o }) => sql`SELECT ${JSON.stringify(o)}::jsonb`),
      compiledOnce<{ a: string[] }, unknown>(["a"], ({ a }) => sql`SELECT ${a.length}::int`),
    ];
    for (const b of builders)
      expect(() => b.compile(db, { s: "", n: 1, o: {}, a: [] } as never)).toThrow(/was read/);
  });

  it("keeps constants the statement holds in its parameters", () => {
    const q = compiledOnce<{ a: string }, unknown>(
      ["a"],
      ({ a }) => sql`SELECT ${"fixed"}::text, ${a}::text`,
    );
    expect(q.compile(db, { a: "x" }).parameters).toEqual(["fixed", "x"]);
    expect(q.compile(db, { a: "y" }).parameters).toEqual(["fixed", "y"]);
  });
});
