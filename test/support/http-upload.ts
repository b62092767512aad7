import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import http from "node:http";

export interface UploadSource {
  filename: string;
  contentType: string;
  /** In memory (declared with its sha256), or a file streamed from disk (no checksum declared). */
  body: Uint8Array | { path: string; size: number };
}

interface Created {
  id: string;
  upload: { method: string; url: string; headers: Record<string, string> };
}

/** A client's upload through a running API: create, PUT to the presigned URL, complete. */
export async function uploadThroughApi(baseUrl: string, apiKey: string, src: UploadSource): Promise<string> {
  const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
  const inMemory = src.body instanceof Uint8Array;
  const size = src.body instanceof Uint8Array ? src.body.byteLength : src.body.size;
  const sha256 =
    src.body instanceof Uint8Array ? createHash("sha256").update(src.body).digest("hex") : undefined;
  const res = await fetch(`${baseUrl}/v1/uploads`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      filename: src.filename,
      contentType: src.contentType,
      size,
      ...(sha256 ? { sha256 } : {}),
    }),
  });
  if (res.status !== 201) throw new Error(`create ${src.filename}: ${res.status} ${await res.text()}`);
  const job = (await res.json()) as Created;
  if (job.upload.method !== "PUT")
    throw new Error(`expected a PUT upload for ${src.filename}, got ${job.upload.method}`);
  if (inMemory) {
    const { "content-length": _drop, ...putHeaders } = job.upload.headers;
    const put = await fetch(job.upload.url, {
      method: "PUT",
      headers: putHeaders,
      body: src.body as Uint8Array<ArrayBuffer>,
    });
    if (put.status !== 200) throw new Error(`PUT ${src.filename}: ${put.status} ${await put.text()}`);
    await put.arrayBuffer();
  } else {
    await putFile(job.upload.url, job.upload.headers, (src.body as { path: string }).path, size);
  }
  const done = await fetch(`${baseUrl}/v1/uploads/${job.id}/complete`, { method: "POST", headers });
  if (done.status !== 200) throw new Error(`complete ${src.filename}: ${done.status} ${await done.text()}`);
  await done.arrayBuffer();
  return job.id;
}

/** Streams a file to a presigned PUT URL without holding it in memory. */
function putFile(url: string, headers: Record<string, string>, path: string, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "PUT", headers: { ...headers, "content-length": String(size) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => {
          text += d;
        });
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`PUT: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on("error", reject);
    createReadStream(path).on("error", reject).pipe(req);
  });
}
