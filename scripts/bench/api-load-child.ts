// Load generator for the API case, in its own process so that it does not share a CPU queue
// with the server it measures: `concurrency` clients loop create → PUT (to MinIO) → complete.
import { createHash } from "node:crypto";

const [baseUrl, apiKey, concurrencyArg, durationArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };

interface Created {
  id: string;
  upload: { url: string; headers: Record<string, string> };
}

async function oneUpload(n: number): Promise<{ apiMs: number; flowMs: number }> {
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
        const r = await oneUpload(n++);
        apiMs.push(r.apiMs);
        flowMs.push(r.flowMs);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
process.send?.({
  type: "result",
  ok: apiMs.length,
  errors: errors.slice(0, 5),
  errorCount: errors.length,
  apiMs,
  flowMs,
  seconds,
});
process.disconnect?.();
