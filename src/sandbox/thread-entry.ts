import { fileURLToPath } from "node:url";
import { cachedBundle } from "../../bin/bundle.mjs";

const TASK = fileURLToPath(new URL("./parse-task.ts", import.meta.url));
const TSX_ENTRY = new URL("./parse-thread.mjs", import.meta.url).href;

let entry: Promise<string> | undefined;

/**
 * The module parse threads load. A thread does not inherit the TypeScript loader of the main
 * thread, and registering tsx in each thread cost ~100-180 MB of RSS on a 2,000-page PDF (its
 * loader thread, and pdf.js passed through its transform). So the parse task and the intake
 * code it imports are bundled into plain JavaScript by the launcher's own mechanism
 * (bin/bundle.mjs: packages stay imports, cached by the sources' contents); where that cannot
 * be built or written, threads fall back to registering tsx.
 */
export function parseThreadEntry(): Promise<string> {
  entry ??= cachedBundle("parse-task", TASK).catch(() => TSX_ENTRY);
  return entry;
}
