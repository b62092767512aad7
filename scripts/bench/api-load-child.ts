// Load generator for the API case, in its own process so that it does not share a CPU queue
// with the server it measures: `concurrency` clients loop create → PUT (to MinIO) → complete.
// With a storage argument it is the bare-storage reference instead: each client presigns the
// PUT itself with intake's own signer (same headers and checksum intake asks for), PUTs it and
// HEADs it, with no intake in between, so the two rates differ only by what intake adds.
import { createHash, randomUUID } from "node:crypto";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { objectKeyFor } from "../../src/storage/object-key.js";
import { presignPut } from "../../src/storage/presign.js";
import { createS3Client, type S3ClientProps } from "../../src/storage/s3-client.js";

const [baseUrl, apiKey, concurrencyArg, durationArg, storageArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string | undefined,
];
const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
const storage = storageArg ? (JSON.parse(storageArg) as S3ClientProps & { bucket: string }) : undefined;
const s3 = storage ? createS3Client(storage) : undefined;

interface Created {
  id: string;
  upload: { url: string; headers: Record<string, string> };
}

type Timing = { apiMs: number; flowMs: number };

async function oneUpload(n: number): Promise<Timing> {
  const body = `bench upload ${n} ${process.pid} ${Math.random()}\n`;
  const sha256 = createHash("sha256").update(body).digest("hex");
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/v1/uploads`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      filename: `u${n}.txt`,
      contentType: "text/plain",
      size: Buffer.byteLength(body),
      sha256,
    }),
  });
  if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
  const job = (await res.json()) as Created;
  const t1 = performance.now();
  const { "content-length": _drop, ...putHeaders } = job.upload.headers;
  const put = await fetch(job.upload.url, { method: "PUT", headers: putHeaders, body });
  if (put.status !== 200) throw new Error(`PUT: ${put.status} ${await put.text()}`);
  await put.arrayBuffer();
  const t2 = performance.now();
  const done = await fetch(`${baseUrl}/v1/uploads/${job.id}/complete`, { method: "POST", headers });
  if (done.status !== 200) throw new Error(`complete: ${done.status} ${await done.text()}`);
  await done.arrayBuffer();
  const t3 = performance.now();
  return { apiMs: t1 - t0 + (t3 - t2), flowMs: t3 - t0 };
}

/** The reference: presign (intake's presignPut) + PUT + HEAD, nothing else. */
async function oneStorageUpload(n: number): Promise<Timing> {
  const body = `bench upload ${n} ${process.pid} ${Math.random()}\n`;
  const sha256 = createHash("sha256").update(body).digest("hex");
  const t0 = performance.now();
  const key = objectKeyFor("default", randomUUID(), `u${n}.txt`);
  const signed = await presignPut(
    s3!,
    { bucket: storage!.bucket, key, contentType: "text/plain", size: Buffer.byteLength(body), sha256 },
    3600,
  );
  const t1 = performance.now();
  const { "content-length": _drop, ...putHeaders } = signed.headers;
  const put = await fetch(signed.url, { method: "PUT", headers: putHeaders, body });
  if (put.status !== 200) throw new Error(`PUT: ${put.status} ${await put.text()}`);
  await put.arrayBuffer();
  const t2 = performance.now();
  // The same HEAD intake's completion makes (with the checksum asked back).
  const head = await s3!.send(
    new HeadObjectCommand({ Bucket: storage!.bucket, Key: key, ChecksumMode: "ENABLED" }),
  );
  if (head.ContentLength !== Buffer.byteLength(body)) throw new Error(`HEAD: size ${head.ContentLength}`);
  const t3 = performance.now();
  return { apiMs: t1 - t0 + (t3 - t2), flowMs: t3 - t0 };
}

const upload = storage ? oneStorageUpload : oneUpload;
const end = performance.now() + Number(durationArg);
const apiMs: number[] = [];
const flowMs: number[] = [];
const errors: string[] = [];
let n = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: Number(concurrencyArg) }, async () => {
    while (performance.now() < end) {
      try {
        const r = await upload(n++);
        apiMs.push(r.apiMs);
        flowMs.push(r.flowMs);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
s3?.destroy();
// Disconnect only once the message is written: a full run's samples make it large, and a
// disconnect right after send() dropped it.
process.send?.(
  {
    type: "result",
    ok: apiMs.length,
    errors: errors.slice(0, 5),
    errorCount: errors.length,
    apiMs,
    flowMs,
    seconds,
  },
  () => process.disconnect?.(),
);
