import { apiRequest, withRetry } from "./http.js";
import { sendToStorage } from "./send.js";
import type { UploadSource } from "./source.js";
import type { ClientOptions, UploadInstructions } from "./types.js";

type Multipart = Extract<UploadInstructions, { method: "multipart" }>;
export interface UploadedPart {
  partNumber: number;
  etag: string;
}

export interface MultipartProps {
  client: ClientOptions;
  jobId: string;
  source: UploadSource;
  /** Instructions from POST /v1/uploads; absent when resuming by job id (URLs are signed on demand). */
  instructions?: Multipart;
  concurrency: number;
  attempts: number;
  retryBaseMs: number;
  onBytes?: (sent: number) => void;
  signal?: AbortSignal;
}

/** Part URLs are signed in batches of up to this many (the server's limit per call is 1000). */
const SIGN_BATCH = 100;

/**
 * Sends a multipart upload's parts, `concurrency` at a time, each retried with backoff, and
 * returns the part list for completion. Parts that S3 already holds with the right size
 * (`GET /v1/uploads/{id}/parts`) are not sent again, so calling this again after an
 * interruption resumes the upload.
 */
export async function sendMultipart(p: MultipartProps): Promise<UploadedPart[]> {
  const urls = new Map<number, string>(p.instructions?.parts.map((x) => [x.partNumber, x.url]));
  const sign = async (partNumbers: number[]) => {
    const res = await apiRequest<{ parts: { partNumber: number; url: string; size: number }[] }>(
      p.client,
      "POST",
      `/v1/uploads/${p.jobId}/parts`,
      { partNumbers },
      { signal: p.signal },
    );
    for (const part of res.parts) urls.set(part.partNumber, part.url);
    return res.parts;
  };
  let partSize = p.instructions?.partSize;
  if (partSize === undefined) {
    const [first] = await sign([1]);
    partSize = first!.size;
  }
  const count = Math.max(1, Math.ceil(p.source.size / partSize));
  const lengthOf = (n: number) => (n < count ? partSize : p.source.size - partSize * (count - 1));

  const uploaded = await apiRequest<{ parts: { partNumber: number; etag: string; size: number }[] }>(
    p.client,
    "GET",
    `/v1/uploads/${p.jobId}/parts`,
    undefined,
    { signal: p.signal },
  );
  const done = new Map<number, string>();
  for (const part of uploaded.parts) {
    if (part.partNumber <= count && part.size === lengthOf(part.partNumber))
      done.set(part.partNumber, part.etag);
  }
  const sentByPart = new Map<number, number>();
  for (const n of done.keys()) sentByPart.set(n, lengthOf(n));
  const report = () => p.onBytes?.([...sentByPart.values()].reduce((a, b) => a + b, 0));
  report();

  const todo = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !done.has(n));
  const urlFor = async (n: number) => {
    if (!urls.has(n)) await sign(todo.filter((m) => m >= n && !urls.has(m)).slice(0, SIGN_BATCH));
    return urls.get(n)!;
  };
  const sendPart = async (n: number) => {
    const start = (n - 1) * partSize;
    const body = await p.source.slice(start, start + lengthOf(n));
    const { etag } = await withRetry(
      async () => {
        sentByPart.set(n, 0);
        return sendToStorage({
          method: "PUT",
          url: await urlFor(n),
          body,
          size: lengthOf(n),
          fetch: p.client.fetch,
          signal: p.signal,
          onProgress: (sent) => {
            sentByPart.set(n, sent);
            report();
          },
        });
      },
      { attempts: p.attempts, baseMs: p.retryBaseMs, signal: p.signal },
    );
    if (!etag) throw new Error("storage returned no ETag; its CORS rule must expose the ETag header");
    done.set(n, etag);
  };

  let next = 0;
  let failed = false;
  const lane = async () => {
    // After one part fails for good, the other lanes stop taking parts (theirs in flight finish).
    while (!failed && next < todo.length) {
      await sendPart(todo[next++]!).catch((err) => {
        failed = true;
        throw err;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(p.concurrency, todo.length) }, lane));
  return [...done]
    .map(([partNumber, etag]) => ({ partNumber, etag }))
    .sort((a, b) => a.partNumber - b.partNumber);
}
