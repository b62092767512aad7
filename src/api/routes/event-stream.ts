import type { Db } from "../../db/database.js";
import type { JobEventRow } from "../../db/schema.js";
import { readJobEventsAfter } from "../../db/sql/read-job-events.js";
import type { JobEventHub, Subscription } from "../../jobs/job-event-hub.js";
import type { Logger } from "../../observability/logger.js";

/**
 * Event types after which a job changes no more (unless a client retries or reprocesses it;
 * a `deleted` job changes no more at all, and reads as 404 afterwards).
 */
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  "completed",
  "failed",
  "cancelled",
  "expired",
  "deleted",
]);

/** Rows read per query; a long replay is read in pages of this many. */
const PAGE = 500;
/**
 * Bytes a stream queues for a client before it stops reading from Postgres: about one page of
 * events. A client that does not read costs this much memory, not its whole replay.
 */
const HIGH_WATER_BYTES = 256 * 1024;

/** The public shape of a job event: the same in the SSE `data:` line and the JSON fallback. */
export function eventDto(row: JobEventRow) {
  return {
    id: Number(row.id),
    jobId: row.job_id,
    type: row.type,
    data: row.data,
    createdAt: row.created_at.toISOString(),
  };
}

export interface JobEventStreamProps {
  db: Db;
  hub: JobEventHub;
  jobId: string;
  /** Deliver events with ids above this (from Last-Event-ID or ?after=). */
  after: bigint;
  heartbeatMs: number;
  logger: Logger;
  /**
   * Closes the stream when nothing (no event) was sent for this long, or when the client has
   * not read for this long while its queue is full; its EventSource reconnects with the last id
   * and loses nothing. Default 10 minutes.
   */
  idleMs?: number;
  /**
   * Asked on every heartbeat whether the credential that opened the stream still stands; when
   * not (its key was revoked), the stream ends and the client's reconnect is answered 401.
   */
  stillAuthorized?: () => Promise<boolean>;
  /** Called once when the stream ends, however it ends (frees the tenant's SSE slot). */
  onClose?: () => void;
}

/**
 * The SSE body of one job's events. Order of operations is what makes it exact:
 *
 * 1. subscribe to the hub and wait until LISTEN is active;
 * 2. replay: read the rows after the cursor;
 * 3. on every NOTIFY for this job with an id above the cursor, read the rows after the cursor.
 *
 * Reads are serialized (a NOTIFY during a read sets `again` and the loop reads once more), each
 * read starts at the last id written, and each row moves the cursor, so no id is sent twice.
 * No id is skipped because a commit either happened before the read that follows the LISTEN
 * (and that read returns it) or after the LISTEN (and its NOTIFY triggers a later read), and
 * one job's ids commit in increasing order (see `readJobEventsAfter`). After a hub reconnect,
 * NOTIFYs sent while it was down are gone, so the hub asks every stream to read again; the
 * heartbeat reads too, a cheap index probe that covers any other lost NOTIFY.
 *
 * The stream ends after a terminal event that is the job's latest; the client's EventSource
 * then reconnects with that id and is answered 204, which tells it to stop.
 */
export function jobEventStream(props: JobEventStreamProps): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor = props.after;
  let closed = false;
  let reading = false;
  let again = false;
  let subscription: Subscription | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const idleMs = props.idleMs ?? 10 * 60_000;
  let lastEventAt = Date.now();
  let lastPullAt = Date.now();
  let pulled: (() => void) | undefined;
  // Pull-based: a read goes on only while the client drains what was queued.
  const roomForMore = async () => {
    while (!closed && (controller.desiredSize ?? 1) <= 0) {
      await new Promise<void>((resolve) => {
        pulled = resolve;
      });
    }
  };

  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    pulled?.();
    subscription?.unsubscribe();
    props.onClose?.();
    try {
      controller.close();
    } catch {
      // Already cancelled by the client.
    }
  };
  const write = (text: string) => {
    if (!closed) controller.enqueue(encoder.encode(text));
  };

  const read = async () => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        await roomForMore();
        if (closed) return;
        const rows = await readJobEventsAfter(props.db, props.jobId, cursor, PAGE);
        for (const row of rows) {
          if (closed) return;
          write(`id: ${row.id}\ndata: ${JSON.stringify(eventDto(row))}\n\n`);
          cursor = BigInt(row.id);
          lastEventAt = Date.now();
        }
        if (rows.length === PAGE) again = true;
        else if (rows.length > 0 && TERMINAL_EVENT_TYPES.has(rows.at(-1)!.type)) return finish();
      } while (again && !closed);
    } catch (err) {
      // The client reconnects with the last id it got and loses nothing.
      props.logger.warn({ err, jobId: props.jobId }, "job event stream read failed; closing it");
      finish();
    } finally {
      reading = false;
    }
  };

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        // A first byte gets the headers through buffering proxies; `retry` paces reconnects.
        write(": stream open\nretry: 2000\n\n");
        heartbeat = setInterval(() => {
          const now = Date.now();
          const stalled = (controller.desiredSize ?? 1) <= 0;
          if (now - lastEventAt >= idleMs || (stalled && now - lastPullAt >= idleMs)) return finish();
          // A client that is not reading gets no heartbeats queued behind its unread events.
          if (!stalled) write(": heartbeat\n\n");
          void read();
          props.stillAuthorized?.().then(
            (ok) => ok || finish(),
            () => {}, // a failed check is retried at the next heartbeat
          );
        }, props.heartbeatMs);
        void (async () => {
          try {
            subscription = await props.hub.subscribe(props.jobId, {
              onEvent: (id) => {
                if (id > cursor) void read();
              },
              onResync: () => void read(),
              onClose: finish,
            });
          } catch (err) {
            props.logger.warn({ err, jobId: props.jobId }, "could not subscribe to job events");
            return finish();
          }
          if (closed) return subscription.unsubscribe();
          await read();
        })();
      },
      pull() {
        lastPullAt = Date.now();
        const wake = pulled;
        pulled = undefined;
        wake?.();
      },
      cancel() {
        finish();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_BYTES }),
  );
}
