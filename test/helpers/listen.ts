import pg from "pg";

/**
 * Resolves `done` when a NOTIFY on `channel` matches `predicate`; `ready` once LISTEN is active.
 * Lets a test wait for an asynchronous delivery without sleeping.
 */
export function listen(
  url: string,
  channel: string,
  predicate: (payload: string) => boolean,
  timeoutMs: number,
) {
  const client = new pg.Client({ connectionString: url });
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => {
    resolveReady = r;
  });
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void client.end();
      reject(new Error(`no matching NOTIFY on ${channel} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.on("notification", (msg) => {
      if (msg.payload && predicate(msg.payload)) {
        clearTimeout(timer);
        void client.end();
        resolve();
      }
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${channel}`))
      .then(() => resolveReady(), reject);
  });
  return { ready, done };
}
