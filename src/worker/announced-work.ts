/**
 * What a claim loop knows about the queue between its claims, to choose how the next claim
 * finds jobs: by the ids that queueing NOTIFYs announced (a primary-key probe), or by the fair
 * search of the queue (`claimJobs`).
 *
 * By id only when that passes no one over: the last search came back short (nothing claimable
 * was left), every notice since named its jobs, and they all fit in the free slots. Anything
 * else searches: a notice without ids (a batch, the reaper, a reconnect), a failed claim,
 * announcements dropped because no slot was free (those jobs wait, older than any announced
 * later), or more announced jobs than slots (the search decides, fairly, which go first).
 */
export class AnnouncedWork {
  // Announced since the last claim began; "any" once a notice named none.
  #announced: Set<string> | "any" = new Set();
  #drained = false;

  announce(jobIds: readonly string[]): void {
    if (jobIds.length === 0) this.#announced = "any";
    else if (this.#announced !== "any") for (const id of jobIds) this.#announced.add(id);
  }

  /**
   * At the start of a claim with `free` slots: the ids to claim by id, or null to search. Takes
   * the announcements: notices that arrive during the claim count toward the next one.
   */
  next(free: number): string[] | null {
    const announced = this.#announced;
    this.#announced = new Set();
    if (free <= 0) {
      // Nothing is claimed now, so announced jobs stay queued behind any announced later.
      if (announced === "any" || announced.size > 0) this.#drained = false;
      return null;
    }
    if (!this.#drained || announced === "any" || announced.size === 0 || announced.size > free) return null;
    return [...announced];
  }

  /** After a search that asked for `limit` and got `claimed`. */
  searched(claimed: readonly { id: string }[], limit: number): void {
    this.#drained = claimed.length < limit;
    this.#forget(claimed);
  }

  /**
   * After a claim by id of `asked` that got `claimed`. A job it could not take (another worker
   * took it, its tenant is capped, it is not due) may still be claimable: the next claim searches.
   */
  claimedById(claimed: readonly { id: string }[], asked: readonly string[]): void {
    if (claimed.length < asked.length) this.announce([]);
    this.#forget(claimed);
  }

  /** After a claim that failed: what the queue holds is unknown. */
  failed(): void {
    this.#drained = false;
  }

  /** Whether a claim should follow at once rather than sleep (set by `claimedById`'s fallback). */
  get pending(): boolean {
    return this.#announced === "any" || this.#announced.size > 0;
  }

  // A notice that arrived during a claim may name a job that claim took.
  #forget(claimed: readonly { id: string }[]): void {
    const announced = this.#announced;
    if (announced !== "any") for (const job of claimed) announced.delete(job.id);
  }
}
