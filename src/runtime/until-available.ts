import pRetry from "p-retry";
import { isStartupError } from "../config/startup-error.js";
import type { Logger } from "../observability/logger.js";

/**
 * Runs a start-up step until the dependency answers: a process started under a supervisor
 * while Postgres or S3 restarts waits for it (backoff up to 5 s, about a minute in all)
 * instead of exiting and crash-looping. After that the last error is thrown. A StartupError
 * (a port in use, a directory that cannot be used) is thrown at once: waiting will not fix it.
 */
export function untilAvailable<T>(what: string, logger: Logger, step: () => Promise<T>): Promise<T> {
  return pRetry(step, {
    retries: 15,
    minTimeout: 200,
    maxTimeout: 5000,
    factor: 2,
    shouldRetry: ({ error }) => !isStartupError(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && !isStartupError(error))
        logger.warn({ err: error.message, attempt: attemptNumber }, `${what} is not available yet; retrying`);
    },
  });
}
