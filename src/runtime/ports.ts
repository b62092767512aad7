import net from "node:net";
import { StartupError } from "../config/startup-error.js";
import type { Logger } from "../observability/logger.js";

/** Whether nothing listens on 127.0.0.1:`port` (binding it would succeed). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The port a local service listens on. One set in `variable` must be free (else a one-line
 * StartupError naming the variable); the default is used when free, else any free port, with
 * a log line saying which, since common defaults (9000) are often taken by other programs.
 */
export async function choosePort(
  explicit: number | undefined,
  fallback: number,
  variable: string,
  service: string,
  logger: Logger,
): Promise<number> {
  if (explicit !== undefined) {
    if (await isPortFree(explicit)) return explicit;
    throw new StartupError(
      `${service}: port ${explicit} (${variable}) is already in use; set ${variable} to a free port`,
    );
  }
  if (await isPortFree(fallback)) return fallback;
  const port = await anyFreePort();
  logger.warn(`${service}: port ${fallback} is taken, so it uses port ${port} (set ${variable} to choose)`);
  return port;
}
