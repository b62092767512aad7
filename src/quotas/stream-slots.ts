import { randomUUID } from "node:crypto";
import type { Db } from "../db/database.js";
import { acquireStreamSlot } from "../db/sql/acquire-stream-slot.js";
import { countStreamSlots } from "../db/sql/count-stream-slots.js";
import { releaseStreamSlot } from "../db/sql/release-stream-slot.js";
import { renewStreamSlots } from "../db/sql/renew-stream-slots.js";
import type { Logger } from "../observability/logger.js";
import { QuotaError } from "./quota-error.js";

export interface StreamSlotsProps {
  db: Db;
  logger: Logger;
  /** How long a slot outlives its process's last renewal (default 60 s). */
  ttlSeconds?: number;
}

/** Attempts at a free slot before the count decides; a lost race retries. */
const ATTEMPTS = 5;
/** Retry-After for a full tenant: streams last minutes, so a short hint would only spin. */
const FULL_RETRY_SECONDS = 30;

/**
 * One process's SSE slots: each open stream holds one row of `sse_stream_slots`, so every
 * instance counts the same streams. The process renews its rows every third of the TTL while it
 * holds any; a process that dies stops renewing, and its slots are free once they expire
 * (60 s by default), with no cleanup step.
 */
export class StreamSlots {
  readonly holder = `api:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #props: StreamSlotsProps;
  readonly #ttl: number;
  readonly #held = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(props: StreamSlotsProps) {
    this.#props = props;
    this.#ttl = props.ttlSeconds ?? 60;
  }

  /**
   * A slot for one stream of the tenant, released by the function returned; QuotaError
   * `quota_exceeded` (429) when the tenant holds `limit` live slots. `limit` 0 is unlimited.
   */
  async acquire(tenantId: string, limit: number): Promise<() => Promise<void>> {
    if (limit <= 0) return async () => {};
    const { db } = this.#props;
    const streamId = randomUUID();
    for (let i = 0; i < ATTEMPTS; i++) {
      const slot = await acquireStreamSlot(db, {
        tenantId,
        streamId,
        holder: this.holder,
        limit,
        ttlSeconds: this.#ttl,
      });
      if (slot !== null) return this.#hold(streamId);
      const live = await countStreamSlots(db, tenantId);
      if (live >= limit) throw new QuotaError("quota_exceeded", "streams", limit, live, FULL_RETRY_SECONDS);
    }
    const live = await countStreamSlots(db, tenantId);
    throw new QuotaError("quota_exceeded", "streams", limit, live, FULL_RETRY_SECONDS);
  }

  /** Stops renewing (slots still held expire on their own). */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #hold(streamId: string): () => Promise<void> {
    this.#held.add(streamId);
    this.#timer ??= setInterval(() => void this.#renew(), (this.#ttl * 1000) / 3).unref();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.#held.delete(streamId);
      if (this.#held.size === 0) this.close();
      try {
        await releaseStreamSlot(this.#props.db, streamId);
      } catch (err) {
        // The slot expires within the TTL anyway.
        this.#props.logger.warn({ err }, "could not release an SSE slot; it frees when it expires");
      }
    };
  }

  async #renew() {
    try {
      await renewStreamSlots(this.#props.db, this.holder, this.#ttl);
    } catch (err) {
      this.#props.logger.warn({ err }, "could not renew SSE slots; they expire unless a renewal succeeds");
    }
  }
}
