import { errorFromResponse, networkError } from "./errors.js";
import type { ClientOptions } from "./types.js";

export interface DocumentText {
  text: string;
  /** `markdown` for structured formats, `plain` for plain inputs. */
  format: "markdown" | "plain";
}

async function send(client: ClientOptions, path: string, init: RequestInit): Promise<Response> {
  const doFetch = client.fetch ?? globalThis.fetch;
  try {
    return await doFetch(new URL(path, client.url), {
      ...init,
      headers: { authorization: `Bearer ${client.apiKey}`, ...init.headers },
    });
  } catch (err) {
    throw networkError(err);
  }
}

/**
 * The response of `GET /v1/jobs/{id}/document`, body unread, for callers that stream it (the
 * CLI writes it to stdout as it arrives). Non-2xx answers throw IntakeError.
 */
export async function openDocument(
  client: ClientOptions,
  id: string,
  signal?: AbortSignal,
): Promise<Response> {
  const res = await send(client, `/v1/jobs/${encodeURIComponent(id)}/document`, { signal });
  if (!res.ok) throw await errorFromResponse(res);
  return res;
}

/**
 * A job's derived text: Markdown (headings, GFM tables, lists) or plain text.
 *
 * @example const { text } = await getDocument({ url, apiKey }, jobId);
 */
export async function getDocument(
  client: ClientOptions,
  id: string,
  signal?: AbortSignal,
): Promise<DocumentText> {
  const res = await openDocument(client, id, signal);
  const format = (res.headers.get("content-type") ?? "").startsWith("text/markdown") ? "markdown" : "plain";
  return { text: await res.text(), format };
}

/**
 * A short-lived URL that downloads the original upload (`GET /v1/jobs/{id}/file` answers with a
 * redirect to it). Works where redirects can be read (Node, Deno, workers); a browser can instead
 * navigate to the route itself with credentials.
 */
export async function getFileUrl(client: ClientOptions, id: string, signal?: AbortSignal): Promise<string> {
  const res = await send(client, `/v1/jobs/${encodeURIComponent(id)}/file`, { signal, redirect: "manual" });
  const location = res.headers.get("location");
  if (res.status >= 300 && res.status < 400 && location) return location;
  throw await errorFromResponse(res);
}
