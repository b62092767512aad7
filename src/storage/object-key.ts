const MAX_NAME = 120;

/**
 * A filename safe to put in an object key: Unicode-normalised, no path separators, no `..`,
 * no control or shell-special characters, at most 120 characters with the extension kept.
 * The original filename is stored on the job; this is only for the key.
 */
export function sanitizeFilename(filename: string): string {
  const base = filename.normalize("NFKC").split(/[\\/]/).pop() ?? "";
  let safe = base
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/\.{2,}/g, ".")
    .replace(/^[._-]+/, "")
    .replace(/_+/g, "_");
  if (safe.length > MAX_NAME) {
    const dot = safe.lastIndexOf(".");
    const ext = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : "";
    safe = safe.slice(0, MAX_NAME - ext.length) + ext;
  }
  return safe || "file";
}

/** Keys are chosen by the server: `uploads/<tenant>/<job id>/<sanitized filename>`. */
export function objectKeyFor(tenantId: string, jobId: string, filename: string): string {
  return `uploads/${tenantId}/${jobId}/${sanitizeFilename(filename)}`;
}

/** Derived outputs (parsed text) live beside the upload, under their own prefix. */
export function derivedKeyFor(tenantId: string, jobId: string, name: string): string {
  return `derived/${tenantId}/${jobId}/${name}`;
}

/**
 * The parse stage's text object of one attempt of one generation (`generation` 0 is the
 * first run; a reprocess writes beside the published text instead of over it).
 */
export function derivedTextKey(tenantId: string, jobId: string, generation: number, attempt: number): string {
  return derivedKeyFor(tenantId, jobId, `text.${generation > 0 ? `g${generation}.` : ""}${attempt}.txt`);
}

// A job id is a canonical lowercase UUID; anything looser (36 dashes) would reach Postgres's
// uuid cast and fail there as a 500.
const KEY_RE =
  /^uploads\/([a-z0-9][a-z0-9_-]{0,62})\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\//;

/** The tenant and job an upload key belongs to, or null for a key intake did not issue. */
export function parseObjectKey(key: string): { tenantId: string; jobId: string } | null {
  const m = KEY_RE.exec(key);
  return m ? { tenantId: m[1]!, jobId: m[2]! } : null;
}

const OWNED_RE =
  /^(uploads|derived)\/([a-z0-9][a-z0-9_-]{0,62})\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\//;

/** The tenant and job that an upload or derived key was made for, or null for a foreign key. */
export function ownerOfKey(key: string): { tenantId: string; jobId: string } | null {
  const m = OWNED_RE.exec(key);
  return m ? { tenantId: m[2]!, jobId: m[3]! } : null;
}
