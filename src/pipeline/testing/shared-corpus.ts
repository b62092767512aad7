import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const RELATIVE = "../shared/corpus/unstructured";
const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Where the shared corpus of real documents is: `../shared/corpus/unstructured` beside the
 * project (its documented place), else `INTAKE_CORPUS_DIR`, else beside the repository this
 * checkout was cloned from (CI runs a fresh clone of main wherever it likes). Throws when none
 * exists, so a test that needs the corpus fails loudly instead of passing without it.
 */
export function sharedCorpusDir(): string {
  const candidates = [path.resolve(root, RELATIVE)];
  if (process.env.INTAKE_CORPUS_DIR) candidates.unshift(path.resolve(process.env.INTAKE_CORPUS_DIR));
  const origin = cloneOrigin();
  if (origin) candidates.push(path.resolve(origin, RELATIVE));
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) {
    throw new Error(`the shared corpus is not at ${candidates.join(" or ")}; set INTAKE_CORPUS_DIR`);
  }
  return found;
}

/** The local repository this checkout was cloned from, if it was cloned from a path. */
function cloneOrigin(): string | undefined {
  try {
    const url = execFileSync("git", ["config", "--get", "remote.origin.url"], {
      cwd: root,
      encoding: "utf8",
    }).trim();
    const local = url.startsWith("file://") ? fileURLToPath(url) : url;
    return path.isAbsolute(local) ? local : undefined;
  } catch {
    return undefined;
  }
}
