import { errorFromResponse, IntakeError, networkError } from "./errors.js";

export interface StorageRequest {
  method: "PUT" | "POST";
  url: string;
  headers?: Record<string, string>;
  body: Blob | Uint8Array<ArrayBuffer> | FormData;
  /** Bytes of the file this request carries (a form's envelope is not counted). */
  size: number;
  onProgress?: (sent: number) => void;
  signal?: AbortSignal;
  /** An injected fetch; without one, browsers use XMLHttpRequest for upload progress. */
  fetch?: typeof fetch;
}

/** Sends bytes to a presigned S3 URL; resolves with the object's or part's ETag. */
export async function sendToStorage(req: StorageRequest): Promise<{ etag: string | null }> {
  if (!req.fetch && typeof XMLHttpRequest !== "undefined") return sendWithXhr(req);
  const doFetch = req.fetch ?? globalThis.fetch;
  // `content-length` is set by whoever frames the body; a presigned PUT lists it because it is signed.
  const { "content-length": _len, ...headers } = req.headers ?? {};
  let body: BodyInit = req.body as BodyInit;
  const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal: req.signal };
  if (req.body instanceof Uint8Array && req.onProgress) {
    // Node's fetch has no upload events: stream the bytes and count them as they are pulled.
    body = countingStream(req.body, req.onProgress);
    init.duplex = "half";
    (init.headers as Record<string, string>)["content-length"] = String(req.body.byteLength);
  }
  let res: Response;
  try {
    res = await doFetch(req.url, { ...init, body });
  } catch (err) {
    throw networkError(err);
  }
  if (!res.ok) throw await errorFromResponse(res, "storage_error");
  await res.arrayBuffer().catch(() => undefined);
  req.onProgress?.(req.size);
  return { etag: res.headers.get("etag") };
}

const SLICE = 256 * 1024;

function countingStream(bytes: Uint8Array<ArrayBuffer>, onProgress: (sent: number) => void) {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      const end = Math.min(offset + SLICE, bytes.byteLength);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
      onProgress(offset);
    },
  });
}

function sendWithXhr(req: StorageRequest): Promise<{ etag: string | null }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(req.method, req.url);
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      if (k.toLowerCase() !== "content-length") xhr.setRequestHeader(k, v);
    }
    xhr.upload.onprogress = (e) => {
      // A form POST's total includes the envelope: scale to the file's bytes.
      if (e.lengthComputable)
        req.onProgress?.(Math.min(req.size, Math.round((e.loaded / e.total) * req.size)));
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        req.onProgress?.(req.size);
        resolve({ etag: xhr.getResponseHeader("etag") });
      } else {
        const res = new Response(xhr.responseText, { status: xhr.status });
        errorFromResponse(res, "storage_error").then(reject, reject);
      }
    };
    xhr.onerror = () =>
      reject(new IntakeError("network_error", 0, "storage did not answer (network error or CORS)"));
    xhr.onabort = () => reject(new IntakeError("aborted", 0, "the upload was aborted"));
    req.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(req.body as XMLHttpRequestBodyInit);
  });
}
