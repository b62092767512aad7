// Postgres rejects U+0000 in text and jsonb, and jsonb rejects an unpaired surrogate escape
// (JSON.stringify writes one as "\udc00"). Values from documents and clients pass through here
// on their way into the database, so neither can turn a stored write into a retried error.

const REPLACEMENT = "\uFFFD";
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

/** Whether `s` holds a character Postgres text or jsonb cannot store. */
export function isUnsafeText(s: string): boolean {
  return s.includes("\u0000") || LONE_SURROGATE.test(s);
}

/** `s` with NUL and unpaired surrogates replaced by U+FFFD; same length, so offsets hold. */
export function safeText(s: string): string {
  if (!isUnsafeText(s)) return s;
  return s.replace(LONE_SURROGATES, REPLACEMENT).replaceAll("\u0000", REPLACEMENT);
}

/** A deep copy of a JSON-able value whose keys and strings are all `safeText`. */
export function safeJson<T>(value: T): T {
  return clean(value) as T;
}

function clean(value: unknown): unknown {
  if (typeof value === "string") return safeText(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[safeText(k)] = clean(v);
    return out;
  }
  return value;
}

/**
 * The path of the first key or string in a parsed JSON value that Postgres cannot store
 * (e.g. `metadata.a`), or undefined when there is none. Iterative, so depth cannot overflow.
 */
export function findUnsafeText(value: unknown): string | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === "string") {
      if (isUnsafeText(v)) return path.join(".") || "(body)";
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, String(i)] });
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v).reverse()) {
        if (isUnsafeText(k)) return [...path, safeText(k)].join(".");
        stack.push({ value: child, path: [...path, k] });
      }
    }
  }
  return undefined;
}

/**
 * How deeply a parsed JSON value nests (a scalar is 0), counted without recursion and
 * stopping once past `limit`: V8's JSON.parse accepts 30,000 levels in 60 KB, but
 * JSON.stringify and Postgres's jsonb input overflow their stacks long before that.
 */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}
