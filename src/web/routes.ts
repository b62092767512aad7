import { readFile } from "node:fs/promises";
import { transform } from "esbuild";
import { Hono } from "hono";

const SRC = new URL("../", import.meta.url);
/** Folders whose modules the browser may load; Node-only modules of the SDK are refused. */
const BROWSER_DIRS = new Set(["client", "web"]);
const NODE_ONLY = new Set(["client/node", "client/terminal-progress", "web/routes"]);

const CSP = [
  "default-src 'self'",
  // uploads go straight to S3/MinIO, on another origin
  "connect-src 'self' http: https:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
].join("; ");

/**
 * The upload page at `GET /`: static HTML plus ES modules compiled from `src/web` and
 * `src/client` on first request (esbuild strips the types, ~1 ms a file) and kept in memory.
 * No bundler or build server runs: the browser follows the modules' own relative imports,
 * which is also why the SDK's browser path must not import Node modules.
 */
export function webRoutes() {
  const cache = new Map<string, Promise<string>>();
  const compile = (name: string) => {
    let out = cache.get(name);
    if (!out) {
      out = readFile(new URL(`${name}.ts`, SRC), "utf8").then(
        async (ts) => (await transform(ts, { loader: "ts", format: "esm", target: "es2022" })).code,
      );
      out.catch(() => cache.delete(name));
      cache.set(name, out);
    }
    return out;
  };
  let page: Promise<string> | undefined;

  return new Hono()
    .get("/", async (c) => {
      page ??= readFile(new URL("web/upload-page.html", SRC), "utf8");
      c.header("content-security-policy", CSP);
      c.header("cache-control", "no-cache");
      return c.html(await page);
    })
    .get("/assets/:dir/:file{[a-z0-9-]+\\.js}", async (c) => {
      const dir = c.req.param("dir");
      const name = `${dir}/${c.req.param("file").replace(/\.js$/, "")}`;
      // Unknown or Node-only modules answer as any unknown route does (the app's notFound).
      if (!BROWSER_DIRS.has(dir) || NODE_ONLY.has(name)) return c.notFound();
      const code = await compile(name).catch(() => undefined);
      if (code === undefined) return c.notFound();
      c.header("content-type", "text/javascript; charset=utf-8");
      c.header("cache-control", "no-cache");
      return c.body(code);
    });
}
