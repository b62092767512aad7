import type { TestApp } from "./app.js";
import { putToUrl, sha256Hex } from "./app.js";

/** Creates, PUTs and completes one upload through the API; returns the job id. */
export async function uploadFile(
  t: TestApp,
  filename: string,
  contentType: string,
  body: Uint8Array<ArrayBuffer> | string,
  opts: { sha256?: boolean } = {},
): Promise<string> {
  const size = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  const res = await t.call("POST", "/v1/uploads", {
    filename,
    contentType,
    size,
    ...(opts.sha256 === false ? {} : { sha256: sha256Hex(body) }),
  });
  if (res.status !== 201) throw new Error(`create upload: ${res.status} ${await res.text()}`);
  const job = (await res.json()) as { id: string; upload: { url: string; headers: Record<string, string> } };
  const put = await putToUrl(job.upload, body);
  if (put.status !== 200) throw new Error(`PUT: ${put.status} ${await put.text()}`);
  const done = await t.call("POST", `/v1/uploads/${job.id}/complete`);
  if (done.status !== 200) throw new Error(`complete: ${done.status} ${await done.text()}`);
  return job.id;
}
