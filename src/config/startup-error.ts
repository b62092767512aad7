/**
 * A start-up failure the operator can fix: a port in use, a directory Postgres cannot reach,
 * a binary that will not run. Its message is one line naming the cause and the fix; the CLI
 * prints it as it is and exits 1, without a stack trace. Start-up steps that wait for a
 * dependency do not retry it: waiting will not free a port.
 */
export class StartupError extends Error {
  override name = "StartupError";
}

export function isStartupError(err: unknown): boolean {
  return err instanceof StartupError;
}
