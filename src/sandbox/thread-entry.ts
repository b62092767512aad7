import { createHash } from "node:crypto";
import { access, mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const TASK = fileURLToPath(new URL("./parse-task.ts", import.meta.url));
const TSX_ENTRY = new URL("./parse-thread.mjs", import.meta.url).href;
// Under node_modules, so the bundle's package imports (pdfjs-dist, htmlparser2) resolve.
const CACHE_DIR = fileURLToPath(new URL("../../node_modules/.cache/intake/", import.meta.url));

let entry: Promise<string> | undefined;

/**
 * The module parse threads load. A thread does not inherit the TypeScript loader of the main
 * thread, and registering tsx in each thread cost ~100-180 MB of RSS on a 2,000-page PDF (its
 * loader thread, and pdf.js passed through its transform). So the parse task and the intake
 * code it imports are bundled once into plain JavaScript (packages stay imports), cached by
 * content hash; where that cannot be written, threads fall back to registering tsx.
 */
export function parseThreadEntry(): Promise<string> {
  entry ??= bundle().catch(() => TSX_ENTRY);
  return entry;
}

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [TASK],
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const file = path.join(CACHE_DIR, `parse-task.${hash}.mjs`);
  try {
    await access(file);
  } catch {
    await mkdir(CACHE_DIR, { recursive: true });
    // Written aside and renamed, so a concurrent process never loads half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, code);
    await rename(tmp, file);
  }
  return pathToFileURL(file).href;
}
