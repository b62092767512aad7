// Runs intake as one JavaScript bundle of its TypeScript sources, built with esbuild on the first
// start after a source change and cached under node_modules/.cache/intake/. Registering tsx
// instead costs every process a loader thread and a transform of each module at start: an idle
// worker had 117 MB of RSS with tsx and has 91 MB bundled. Packages stay imports; each module's `import.meta.url`
// keeps naming its own source file, since intake finds files next to its sources with it.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), "..");
const src = path.join(root, "src");
const cacheDir = path.join(root, "node_modules", ".cache", "intake");

/** The launcher's bundle (src/cli/main.ts) as a file URL; see `cachedBundle`. */
export function bundledEntry() {
  return cachedBundle("main", path.join(src, "cli", "main.ts"));
}

/**
 * `entry` (a module under src/) and what it imports of src/, bundled into plain JavaScript and
 * cached as `<name>.<hash of the sources>.mjs`; built when the sources changed. Returns its file
 * URL. Used by the launcher and by the parse threads (src/sandbox/thread-entry.ts).
 */
export async function cachedBundle(name, entry) {
  const file = path.join(cacheDir, `${name}.${sourcesHash()}.mjs`);
  if (!existsSync(file)) await build(name, entry, file);
  return pathToFileURL(file).href;
}

// The contents of every source file, esbuild's version and Node's: a change to any makes a new
// bundle (reading and hashing the sources takes a few milliseconds).
let hashed;
function sourcesHash() {
  if (hashed) return hashed;
  const hash = createHash("sha256");
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.endsWith(".test.ts"))
        hash.update(`${path.relative(src, full)}\0`).update(readFileSync(full));
    }
  };
  walk(src);
  const esbuild = path.join(root, "node_modules", "esbuild", "package.json");
  hash.update(existsSync(esbuild) ? readFileSync(esbuild) : "no esbuild");
  hash.update(process.version);
  hashed = hash.digest("hex").slice(0, 16);
  return hashed;
}

async function build(name, entry, file) {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent",
    plugins: [ownImportMetaUrl],
  });
  mkdirSync(cacheDir, { recursive: true });
  // Written aside and renamed, so a process starting meanwhile never loads half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, result.outputFiles[0].text);
  renameSync(tmp, file);
  // Bundles of earlier sources are not loaded again. Only old ones go: a process that built
  // another bundle moments ago (sources edited meanwhile) may be about to load it.
  const before = Date.now() - 10 * 60_000;
  for (const old of readdirSync(cacheDir)) {
    const full = path.join(cacheDir, old);
    try {
      const earlier = old.startsWith(`${name}.`) && /^[0-9a-f]{16}\.mjs$/.test(old.slice(name.length + 1));
      if (earlier && full !== file && statSync(full).mtimeMs < before) {
        rmSync(full, { force: true });
      }
    } catch {
      // removed by another process meanwhile
    }
  }
}

const ownImportMetaUrl = {
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const code = await readFile(args.path, "utf8");
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: code.replaceAll("import.meta.url", url), loader: "ts" };
    });
    // This file, imported by src/sandbox/thread-entry.ts, stays a module of its own (by its file
    // URL): the launcher has loaded it already, and its paths are relative to itself.
    b.onResolve({ filter: /bundle\.mjs$/ }, (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      if (target === self) return { path: pathToFileURL(target).href, external: true };
      return undefined;
    });
  },
};
