import pRetry from "p-retry";
import type { Logger } from "../observability/logger.js";

/**
 * Runs a start-up step until the dependency answers: a process started under a supervisor
 * while Postgres or S3 restarts waits for it (backoff up to 5 s, about a minute in all)
 * instead of exiting and crash-looping. After that the last error is thrown.
 */
export function untilAvailable<T>(what: string, logger: Logger, step: () => Promise<T>): Promise<T> {
  return pRetry(step, {
    retries: 15,
    minTimeout: 200,
    maxTimeout: 5000,
    factor: 2,
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0)
        logger.warn({ err: error.message, attempt: attemptNumber }, `${what} is not available yet; retrying`);
    },
  });
}
