import type { Context } from "hono";
import type { z } from "zod";
import { findUnsafeText, jsonDepthExceeds } from "../db/safe-values.js";
import { ApiError } from "./problem.js";

const MAX_BODY_DEPTH = 64;

/**
 * Reads a JSON body and validates it. Malformed JSON is 400 `malformed_json`; a body that
 * fails the schema, or holds text Postgres cannot store, is 400 `invalid_body` naming the first
 * field at fault and listing all.
 */
export async function readJson<T extends z.ZodType>(
  c: Context,
  schema: T,
  opts: { optional?: boolean } = {},
) {
  const text = await c.req.text();
  let raw: unknown = {};
  if (text.trim() !== "" || !opts.optional) {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new ApiError(400, "malformed_json", "request body is not valid JSON");
    }
  }
  // No request intake accepts nests this deep; refusing here keeps every later walk (zod,
  // JSON.stringify, jsonb) from overflowing its stack into a 500.
  if (jsonDepthExceeds(raw, MAX_BODY_DEPTH)) {
    throw new ApiError(400, "invalid_body", `(body): nests deeper than ${MAX_BODY_DEPTH} levels`, {
      field: "(body)",
      errors: [{ field: "(body)", message: `nests deeper than ${MAX_BODY_DEPTH} levels` }],
    });
  }
  // NUL and unpaired surrogates cannot be stored by Postgres: name the field instead of a 500.
  const unsafe = findUnsafeText(raw);
  if (unsafe) {
    const message = "must not contain NUL or unpaired surrogate characters";
    throw new ApiError(400, "invalid_body", `${unsafe}: ${message}`, {
      field: unsafe,
      errors: [{ field: unsafe, message }],
    });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError("invalid_body", parsed.error, "(body)");
  return parsed.data as z.infer<T>;
}

/** Validates a query string; a bad one is 400 `invalid_query` naming the parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.infer<T> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw validationError("invalid_query", parsed.error, "(query)");
  return parsed.data as z.infer<T>;
}

/**
 * The one mapping of zod's issues to a 400: `field` names the first field at fault (`whole`
 * when the issue is about the whole input) and `errors` lists them all.
 */
export function validationError(
  code: "invalid_body" | "invalid_query",
  error: z.ZodError,
  whole: string,
): ApiError {
  const errors = error.issues.map((i) => ({ field: i.path.join(".") || whole, message: i.message }));
  const first = errors[0]!;
  return new ApiError(400, code, `${first.field}: ${first.message}`, { field: first.field, errors });
}
