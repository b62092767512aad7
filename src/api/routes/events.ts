import { Hono } from "hono";
import { z } from "zod";
import { tenantForLiveKeyId } from "../../auth/api-keys.js";
import { uploadTokenSecret } from "../../auth/upload-token.js";
import { findJob } from "../../db/sql/find-job.js";
import { readJobEventsAfter } from "../../db/sql/read-job-events.js";
import { isTerminal } from "../../jobs/state-machine.js";
import { tenantLimits } from "../../quotas/index.js";
import { type AuthEnv, requireApiKey } from "../auth.js";
import { parseQuery } from "../body.js";
import type { AppDeps } from "../deps.js";
import { jobDto } from "../job-dto.js";
import { annotateRequestLog } from "../middleware/request-log.js";
import { ApiError, notFound } from "../problem.js";
import { eventDto, jobEventStream } from "./event-stream.js";
import { uuidParam } from "./params.js";

const DEFAULT_HEARTBEAT_MS = 15_000;

const eventId = z.string().regex(/^\d{1,18}$/, "must be an event id (a whole number)");

export const eventsQuery = z.object({
  after: eventId.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  access_token: z.string().optional(),
});

/** The cursor: `Last-Event-ID` wins over `?after=`, since an EventSource resends its URL as is. */
function cursorOf(header: string | undefined, query: Record<string, string>) {
  const parsed = { data: parseQuery(eventsQuery, query) };
  if (header !== undefined && header.trim() !== "") {
    if (!eventId.safeParse(header.trim()).success) {
      throw new ApiError(400, "invalid_query", "Last-Event-ID: must be an event id (a whole number)", {
        field: "Last-Event-ID",
      });
    }
    return { after: BigInt(header.trim()), limit: parsed.data.limit };
  }
  return { after: BigInt(parsed.data.after ?? 0), limit: parsed.data.limit };
}

/** JSON only when asked for and SSE not; `*\/*` (curl) and EventSource both get the stream. */
function wantsJson(accept: string | undefined): boolean {
  const a = (accept ?? "").toLowerCase();
  return a.includes("application/json") && !a.includes("text/event-stream");
}

/**
 * `GET /v1/jobs/{id}/events`: the job's events as Server-Sent Events (replay after the cursor,
 * then live), or with `Accept: application/json` one page of them with the job's state for
 * clients that poll. Mounted before the other /v1/jobs routes so that its own auth (which also
 * takes `?access_token=`) runs instead of theirs.
 */
export function eventRoutes(
  deps: AppDeps & Required<Pick<AppDeps, "eventHub" | "streamSlots" | "processStreams">>,
) {
  const heartbeatMs = deps.eventStream?.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  // `?access_token=` is the API key or a token from POST /s3/token, bound to its minting key.
  const tokenSecret = uploadTokenSecret(deps.config, deps.logger);
  const auth = requireApiKey(deps.db, { accessToken: true, tokenSecret });
  return new Hono<AuthEnv>().get("/:id/events", auth, async (c) => {
    const tenant = c.get("tenant");
    const keyId = c.get("keyId");
    const id = uuidParam(c.req.param("id"));
    const { after, limit } = cursorOf(c.req.header("last-event-id"), c.req.query());
    const job = await findJob(deps.db, tenant, id);
    if (!job) throw notFound("job");
    annotateRequestLog(c, { stage: job.stage });

    if (wantsJson(c.req.header("accept"))) {
      // Events first, then the job: the state returned is at least as new as the last event.
      const rows = await readJobEventsAfter(deps.db, id, after, limit);
      const current = (await findJob(deps.db, tenant, id)) ?? job;
      const events = rows.map(eventDto);
      return c.json({
        job: jobDto(current),
        events,
        nextAfter: events.at(-1)?.id ?? Number(after),
      });
    }

    // A finished job with nothing after the cursor has nothing to stream: 204 is how SSE
    // tells an EventSource to stop reconnecting (otherwise it would every `retry` ms).
    if (isTerminal(job.status) && (await readJobEventsAfter(deps.db, id, after, 1)).length === 0) {
      return c.body(null, 204);
    }
    // A place in this process first (503 too_many_streams when full): it costs no query, and a
    // process that is full takes none of the tenant's slots.
    const releasePlace = deps.processStreams.take();
    let releaseSlot: (() => Promise<void>) | undefined;
    try {
      // One of the tenant's SSE slots, shared by every instance (429 quota_exceeded when none).
      const { maxStreams } = await tenantLimits(deps.db, tenant, deps.config.quotas.tenantDefaults);
      const slot = await deps.streamSlots.acquire(tenant, maxStreams);
      releaseSlot = slot;
      const stream = jobEventStream({
        db: deps.db,
        hub: deps.eventHub,
        jobId: id,
        after,
        heartbeatMs,
        logger: deps.logger.child({ jobId: id, tenant }),
        stillAuthorized: async () => (await tenantForLiveKeyId(deps.db, keyId)) === tenant,
        // Called once however the stream ends: client gone, idle close, terminal event, error.
        onClose: () => {
          releasePlace();
          void slot();
        },
      });
      return c.body(stream, 200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        // nginx buffers responses unless told not to; a buffered stream is no stream.
        "x-accel-buffering": "no",
      });
    } catch (err) {
      // Both releases are idempotent, so a stream that did start and close is not counted twice.
      releasePlace();
      void releaseSlot?.();
      throw err;
    }
  });
}
