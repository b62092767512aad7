export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential with full jitter,
 * uniform in [0, min(cap, base · 2^(attempt-1))]. Full jitter spreads a burst of failures
 * out instead of retrying them in lockstep ("Exponential Backoff And Jitter", AWS, 2015).
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * exp);
}
