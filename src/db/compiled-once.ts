import type { CompiledQuery, QueryResult, RawBuilder } from "kysely";
import type { Db } from "./database.js";

const SLOT = Symbol("compiled-once slot");
type StandIn = { [SLOT]: string };
const isStandIn = (v: unknown): v is StandIn => typeof v === "object" && v !== null && SLOT in v;

// What turning a value into text, a number or JSON reads; a builder that does so would bake the
// stand-in into the statement. (A branch on a value, or `??` on it, cannot be caught: see
// compiledOnce.)
const CONVERSIONS = new Set<string | symbol>([Symbol.toPrimitive, "toJSON", "toString", "valueOf", "length"]);

/** A value's stand-in: a parameter to Kysely, and an error to a builder that reads it. */
function standIn(key: string): StandIn {
  return new Proxy(Object.create(null) as StandIn, {
    get(_, prop) {
      if (prop === SLOT) return key;
      if (CONVERSIONS.has(prop)) {
        throw new Error(
          `compiledOnce: "${key}" was read (${String(prop)}) while building; pass it as a parameter`,
        );
      }
      return undefined;
    },
    has: (_, prop) => prop === SLOT,
  });
}

/**
 * A statement whose SQL text depends on none of its values, built and compiled by Kysely once:
 * `build` is called with a stand-in for each value, and every call after puts the values into
 * the compiled parameter list instead of building again. Kysely's build and compile of the
 * claim cost 35-70 µs per call, a twentieth of a pickup. `build` must pass each value through as
 * a parameter: never `sql.lit` or `sql.raw` of it, a branch on it, or a `??` default (a missing
 * value becomes NULL). The first compile checks that every stand-in became a parameter, and a
 * stand-in throws when a builder turns it into text, a number, JSON or a length. The compiled
 * text is shared by every Db it runs on: they must not differ in plugins or schema.
 */
export function compiledOnce<P extends object, T>(
  keys: readonly (keyof P & string)[],
  build: (values: P) => RawBuilder<T>,
): {
  compile(db: Db, values: P): CompiledQuery<T>;
  execute(db: Db, values: P): Promise<QueryResult<T>>;
} {
  let compiled: { query: CompiledQuery<T>; slots: (string | { value: unknown })[] } | undefined;
  const compile = (db: Db, values: P): CompiledQuery<T> => {
    if (!compiled) compiled = compileWithStandIns(db, build, keys);
    const { query, slots } = compiled;
    const byKey = values as Record<string, unknown>;
    // A missing value is NULL, as `?? null` in a builder would make it.
    return { ...query, parameters: slots.map((s) => (typeof s === "string" ? (byKey[s] ?? null) : s.value)) };
  };
  return { compile, execute: (db, values) => db.executeQuery(compile(db, values)) };
}

function compileWithStandIns<P extends object, T>(
  db: Db,
  build: (values: P) => RawBuilder<T>,
  keys: readonly string[],
) {
  const standIns = Object.fromEntries(keys.map((k) => [k, standIn(k)])) as unknown as P;
  const query = build(standIns).compile(db);
  const slots = query.parameters.map((v) => (isStandIn(v) ? v[SLOT] : { value: v }));
  const used = new Set(slots.filter((s): s is string => typeof s === "string"));
  const unused = keys.filter((k) => !used.has(k));
  if (unused.length > 0 || query.sql.includes("[object Object]")) {
    throw new Error(
      `compiledOnce: values not passed through as parameters: ${unused.join(", ") || "(in the text)"}`,
    );
  }
  return { query, slots };
}
