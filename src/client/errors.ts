/**
 * The one error type of the SDK. `code` is the server's stable problem code (`checksum_mismatch`,
 * `file_too_large`, …) or one of the SDK's own: `network_error` (no HTTP answer),
 * `storage_error` (S3 refused a PUT/POST/part), `job_failed` (the job ended failed, cancelled
 * or expired), `aborted`.
 */
export class IntakeError extends Error {
  override name = "IntakeError";
  constructor(
    readonly code: string,
    readonly status: number,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${code}: ${detail}`);
  }

  /** 5xx, 429 and network errors are worth another try; 4xx answers are not. */
  get retryable(): boolean {
    if (this.code === "aborted") return false;
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** Turns a non-2xx answer into an IntakeError, reading RFC 9457 problem+json when present. */
export async function errorFromResponse(res: Response, fallbackCode = "http_error"): Promise<IntakeError> {
  const text = await res.text().catch(() => "");
  let body: Record<string, unknown> | null = null;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    body = null;
  }
  if (body && typeof body.code === "string") {
    const { code, detail, status: _s, type: _t, title: _ti, ...extra } = body;
    return new IntakeError(code, res.status, String(detail ?? body.title ?? res.statusText), extra);
  }
  // S3 answers XML: <Error><Code>SignatureDoesNotMatch</Code><Message>…</Message></Error>
  const s3Code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  const s3Message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1];
  const detail = s3Code ? `${s3Code}: ${s3Message ?? ""}`.trim() : text.slice(0, 300) || res.statusText;
  return new IntakeError(fallbackCode, res.status, `HTTP ${res.status}: ${detail}`);
}

export function networkError(err: unknown): IntakeError {
  if (err instanceof IntakeError) return err;
  const e = err as Error;
  if (e?.name === "AbortError") return new IntakeError("aborted", 0, "the request was aborted");
  return new IntakeError("network_error", 0, e?.message ?? String(err));
}
