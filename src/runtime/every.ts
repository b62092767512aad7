import type { Logger } from "../observability/logger.js";

/**
 * Runs `pass` every `intervalMs`, the next one starting only after the last finished, until
 * the returned stop function is called; stop waits for a pass in progress. A failed pass is
 * logged as `<name> pass failed` and the schedule goes on.
 */
export function every(
  name: string,
  intervalMs: number,
  logger: Logger,
  pass: () => Promise<unknown>,
): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = pass()
      .catch((err) => logger.warn({ err }, `${name} pass failed`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  let timer = setTimeout(tick, intervalMs);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
