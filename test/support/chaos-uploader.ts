import { createHash } from "node:crypto";
import type { UploadSource } from "./http-upload.js";

/**
 * A patient client: create (with an idempotency key, so a create whose answer was lost is not
 * a second job), PUT, complete; each step retried against any of the API processes until it
 * succeeds or `deadline` passes. Answers that say the request itself is wrong are not retried.
 */
export async function uploadPatiently(
  apis: () => string[],
  apiKey: string,
  key: string,
  src: UploadSource & { body: Uint8Array },
  deadline: number,
  onRetry: (step: string, err: string) => void,
): Promise<string> {
  const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
  const sha256 = createHash("sha256").update(src.body).digest("hex");
  let attempt = 0;
  const retry = async <T>(step: string, fn: (base: string) => Promise<T>): Promise<T> => {
    for (;;) {
      const bases = apis();
      const base = bases[attempt++ % Math.max(1, bases.length)];
      try {
        if (!base) throw new Error("no API process is up");
        return await fn(base);
      } catch (err) {
        const message = (err as Error).message;
        if (message.startsWith("permanent:")) throw err;
        if (Date.now() > deadline)
          throw new Error(`${key}: ${step} still failing at the deadline: ${message}`);
        onRetry(step, message);
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** Math.min(attempt, 5))));
      }
    }
  };
  const expect = async (res: Response, ok: number[], what: string) => {
    if (ok.includes(res.status)) return res;
    const text = await res.text();
    // 5xx (a dependency down) and 409 object_missing (the PUT did not land) are worth retrying.
    const transient = res.status >= 500 || (res.status === 409 && text.includes("object_missing"));
    throw new Error(`${transient ? "" : "permanent:"}${what}: ${res.status} ${text.slice(0, 200)}`);
  };
  const job = await retry("create", async (base) => {
    const res = await fetch(`${base}/v1/uploads`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        filename: src.filename,
        contentType: src.contentType,
        size: src.body.byteLength,
        sha256,
        idempotencyKey: key,
      }),
    });
    await expect(res, [200, 201], "create");
    return (await res.json()) as { id: string; upload: { url: string; headers: Record<string, string> } };
  });
  await retry("put", async () => {
    // A replayed create returns fresh URLs; the first ones stay valid for the URL TTL.
    const { "content-length": _drop, ...putHeaders } = job.upload.headers;
    const res = await fetch(job.upload.url, {
      method: "PUT",
      headers: putHeaders,
      body: src.body as Uint8Array<ArrayBuffer>,
    });
    await expect(res, [200], "PUT");
    await res.arrayBuffer();
  });
  await retry("complete", async (base) => {
    const res = await fetch(`${base}/v1/uploads/${job.id}/complete`, { method: "POST", headers });
    await expect(res, [200], "complete");
    await res.arrayBuffer();
  });
  return job.id;
}
