import { errorFromResponse, IntakeError, networkError } from "./errors.js";
import { apiRequest, delay } from "./http.js";
import { parseSse } from "./sse.js";
import { type ClientOptions, type Job, type JobEvent, TERMINAL, type WatchOptions } from "./types.js";

const TERMINAL_EVENTS = new Set(["completed", "failed", "cancelled", "expired", "deleted"]);

/**
 * Follows a job until it ends and resolves with its final state. Tries, in order, the SSE
 * stream `GET /v1/jobs/{id}/events` (reconnecting with `Last-Event-ID`), its JSON polling
 * form (`?after=N`), and plain status polling of `GET /v1/jobs/{id}` — whichever the server
 * serves. Each event (or observed change of status or stage) is passed to `onEvent`.
 *
 * @example const job = await watchJob({ url, apiKey }, id, { onEvent: (e) => console.log(e.type) });
 */
export async function watchJob(client: ClientOptions, jobId: string, opts: WatchOptions = {}): Promise<Job> {
  const onEvent = opts.onEvent ?? (() => {});
  const sse = await followSse(client, jobId, onEvent, opts.signal);
  if (sse !== "unsupported") return getJob(client, jobId, opts.signal);
  const polled = await pollEvents(client, jobId, onEvent, opts);
  if (polled) return polled;
  return pollStatus(client, jobId, onEvent, opts);
}

export const getJob = (client: ClientOptions, id: string, signal?: AbortSignal) =>
  apiRequest<Job>(client, "GET", `/v1/jobs/${id}`, undefined, { signal });

async function followSse(
  client: ClientOptions,
  jobId: string,
  onEvent: (e: JobEvent) => void,
  signal?: AbortSignal,
): Promise<"ended" | "unsupported"> {
  const doFetch = client.fetch ?? globalThis.fetch;
  let lastId: string | undefined;
  for (let reconnects = 0; reconnects < 20; reconnects++) {
    let res: Response;
    try {
      res = await doFetch(new URL(`/v1/jobs/${jobId}/events`, client.url), {
        headers: {
          authorization: `Bearer ${client.apiKey}`,
          accept: "text/event-stream",
          ...(lastId ? { "last-event-id": lastId } : {}),
        },
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw networkError(err);
      await delay(500 * 2 ** Math.min(reconnects, 4), signal);
      continue;
    }
    const isStream = res.ok && (res.headers.get("content-type") ?? "").startsWith("text/event-stream");
    if (!isStream) {
      if (res.status === 401) throw await errorFromResponse(res);
      await res.body?.cancel();
      return "unsupported";
    }
    let ended = false;
    try {
      for await (const msg of parseSse(res.body!)) {
        if (msg.id) lastId = msg.id;
        if (msg.event === "heartbeat" || msg.event === "ping") continue;
        const event = toEvent(msg.id, msg.event, msg.data);
        onEvent(event);
        if (TERMINAL_EVENTS.has(event.type)) {
          ended = true;
          break; // the server closes the stream after a terminal event anyway
        }
      }
    } catch (err) {
      if (signal?.aborted) throw networkError(err);
    }
    if (ended) return "ended";
  }
  throw new IntakeError("network_error", 0, "the event stream kept dropping; giving up");
}

function toEvent(id: string | undefined, event: string | undefined, data: string): JobEvent {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(data) as Record<string, unknown>;
  } catch {
    parsed = { raw: data };
  }
  const inner = (parsed.data as Record<string, unknown> | undefined) ?? parsed;
  const type = String(event && event !== "message" ? event : (parsed.type ?? "message"));
  return { id: Number(id ?? parsed.id ?? 0), type, data: inner };
}

async function pollEvents(
  client: ClientOptions,
  jobId: string,
  onEvent: (e: JobEvent) => void,
  opts: WatchOptions,
): Promise<Job | null> {
  let after = 0;
  for (;;) {
    let page: {
      job: Job;
      events: { id: number | string; type: string; data?: Record<string, unknown> }[];
      nextAfter: number;
    };
    try {
      page = await apiRequest(client, "GET", `/v1/jobs/${jobId}/events?after=${after}`, undefined, {
        signal: opts.signal,
      });
    } catch (err) {
      if (err instanceof IntakeError && (err.status === 404 || err.status === 406) && after === 0)
        return null;
      throw err;
    }
    for (const e of page.events)
      onEvent({ id: Number(e.id), type: e.type, data: e.data ?? {}, job: page.job });
    after = page.nextAfter ?? after;
    if (TERMINAL.includes(page.job.status)) return page.job;
    await delay(opts.pollIntervalMs ?? 1000, opts.signal);
  }
}

async function pollStatus(
  client: ClientOptions,
  jobId: string,
  onEvent: (e: JobEvent) => void,
  opts: WatchOptions,
): Promise<Job> {
  let seen = "";
  for (;;) {
    const job = await getJob(client, jobId, opts.signal);
    const key = `${job.status}/${job.stage}/${JSON.stringify(job.progress)}`;
    if (key !== seen) {
      seen = key;
      onEvent({
        id: 0,
        type: "status",
        data: { status: job.status, stage: job.stage, progress: job.progress },
        job,
      });
    }
    if (TERMINAL.includes(job.status)) return job;
    await delay(opts.pollIntervalMs ?? 1000, opts.signal);
  }
}
