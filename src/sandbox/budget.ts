import type { ParseBudget } from "../config/index.js";

export type { ParseBudget };

const MiB = 1024 * 1024;

/**
 * How long the parse thread may work on a document of `sizeBytes`. Time spent waiting on
 * storage (reading bytes, writing text) is not counted: a slow store is not a complex document.
 */
export function parseTimeoutMs(budget: ParseBudget, sizeBytes: number): number {
  return Math.round(budget.timeoutBaseMs + (budget.timeoutPerMiBMs * Math.max(0, sizeBytes)) / MiB);
}
