import pino from "pino";

export type Logger = pino.Logger;

/** JSON logs on stdout. Children carry jobId, tenant and stage so every line can be traced to a job. */
export function createLogger(
  level: pino.LevelWithSilent = "info",
  base: Record<string, unknown> = {},
): Logger {
  return pino({ level, base: { ...base, pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that writes nothing, for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: "silent" });
