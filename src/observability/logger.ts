import pino from "pino";
import pretty from "pino-pretty";

export type Logger = pino.Logger;

/**
 * Logs on stdout: JSON lines for machines, or, when stdout is a terminal, pino-pretty's lines
 * for the person watching `npm start`. The pretty stream writes synchronously, so a line logged
 * before the start-up banner is printed before it. Children carry jobId, tenant and stage so
 * every line can be traced to a job.
 */
export function createLogger(
  level: pino.LevelWithSilent = "info",
  base: Record<string, unknown> = {},
): Logger {
  const options = { level, base: { ...base, pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (!process.stdout.isTTY) return pino(options);
  return pino(
    options,
    pretty({ sync: true, colorize: true, ignore: "pid,hostname", translateTime: "HH:MM:ss" }),
  );
}

/** A logger that writes nothing, for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: "silent" });
