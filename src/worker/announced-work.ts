/**
 * What a claim loop knows about the queue between its claims, to choose how the next claim
 * finds jobs: by the ids that queueing NOTIFYs announced (a primary-key probe), or by the fair
 * search of the queue (`claimJobs`).
 *
 * By id only when the last search, over the same stages and less than `maxAgeMs` ago, came back
 * short (nothing it could claim was left), every notice since named its jobs, and they all fit
 * in the free slots; no claim at all when no notice came since. Then the announced jobs are what the search would add: it passes no one
 * over that it saw. Work that turned claimable since without a notice (a delayed retry coming
 * due, a capped tenant's job finishing, a stage whose dependency came back) waits for the next
 * search, at most `maxAgeMs` after the last one: the loop's backstop poll interval, the same
 * bound as without announcements.
 *
 * Anything else searches: a notice without ids (a batch, the reaper, a reconnect), a failed
 * claim, announcements dropped because no slot was free (those jobs wait, older than any
 * announced later), more announced jobs than slots (the search decides, fairly, which go
 * first), or a claim by id that took fewer than it asked for.
 */
export class AnnouncedWork {
  // Announced since the last claim began; "any" once a notice named none.
  #announced: Set<string> | "any" = new Set();
  // The last search that came back short: its stages and when it ran; null when the last came
  // back full, failed, or announcements were dropped since.
  #drained: { stages: string; at: number } | null = null;

  /**
   * `maxAgeMs`: how old the last search may be (the loop's poll interval). `enabled` false: always
   * search, as when every tenant has a running-jobs cap (the process default), which only the
   * search enforces, so a claim by id could never take anything.
   */
  constructor(
    readonly maxAgeMs: number,
    readonly enabled = true,
  ) {}

  announce(jobIds: readonly string[]): void {
    if (jobIds.length === 0) this.#announced = "any";
    else if (this.#announced !== "any") for (const id of jobIds) this.#announced.add(id);
  }

  /**
   * At the start of a claim over `stages` with `free` slots, at time `now` (ms): the ids to claim
   * by id, "search", or "idle" when there is nothing to claim: no free slot or stage, or the
   * drained search is fresh and nothing was announced since (a slot that freed needs no
   * search). Takes the announcements: notices that arrive during the claim count toward the
   * next one.
   */
  next(free: number, stages: readonly string[], now: number): string[] | "search" | "idle" {
    const announced = this.#announced;
    this.#announced = new Set();
    if (free <= 0 || stages.length === 0) {
      // Nothing is claimed now, so announced jobs stay queued behind any announced later.
      if (announced === "any" || announced.size > 0) this.#drained = null;
      return "idle";
    }
    const drained = this.#drained;
    const fresh = drained && drained.stages === stages.join() && now - drained.at < this.maxAgeMs;
    if (!this.enabled || !fresh || announced === "any" || announced.size > free) return "search";
    return announced.size === 0 ? "idle" : [...announced];
  }

  /** After a search over `stages`, begun at `at`, that asked for `limit` and got `claimed`. */
  searched(claimed: readonly { id: string }[], limit: number, stages: readonly string[], at: number): void {
    this.#drained = claimed.length < limit ? { stages: stages.join(), at } : null;
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
    this.#drained = null;
  }

  /** Whether a claim should follow at once rather than sleep (set by `claimedById`'s fallback). */
  get pending(): boolean {
    return this.#announced === "any" || this.#announced.size > 0;
  }

  /** How long the loop may sleep before a search is due: the last search's age bound. */
  sleepMs(now: number): number {
    return this.#drained ? Math.max(0, this.#drained.at + this.maxAgeMs - now) : this.maxAgeMs;
  }

  // A notice that arrived during a claim may name a job that claim took.
  #forget(claimed: readonly { id: string }[]): void {
    const announced = this.#announced;
    if (announced !== "any") for (const job of claimed) announced.delete(job.id);
  }
}
