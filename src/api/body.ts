import type { Context } from "hono";
import type { z } from "zod";
import { findUnsafeText } from "../db/safe-values.js";
import { ApiError } from "./problem.js";

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
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({
      field: i.path.join(".") || "(body)",
      message: i.message,
    }));
    const first = errors[0]!;
    throw new ApiError(400, "invalid_body", `${first.field}: ${first.message}`, {
      field: first.field,
      errors,
    });
  }
  return parsed.data as z.infer<T>;
}
