import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** Where the benchmark keeps what it can reuse between runs: references, markitdown, its venv. */
export const CACHE_ROOT = path.join(os.homedir(), ".cache", "intake");

/** A conversion's outcome: its text, or why the tool failed (failures are cached too). */
export type Conversion = { text: string; error?: undefined } | { text?: undefined; error: string };

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * A folder of conversions keyed by the file's sha256, its extension (tools guess the type from
 * it) and the converter's id and version, so that a new tool version converts again.
 */
export class ConversionCache {
  readonly dir: string;

  constructor(name: string) {
    this.dir = path.join(CACHE_ROOT, name);
  }

  async getOrConvert(key: string[], convert: () => Promise<Conversion>): Promise<Conversion> {
    const file = path.join(this.dir, `${key.map((k) => k.replace(/[^\w.-]+/g, "_")).join(".")}.json`);
    try {
      return JSON.parse(await readFile(file, "utf8")) as Conversion;
    } catch {
      // not cached yet
    }
    const result = await convert();
    await mkdir(this.dir, { recursive: true });
    await writeFile(`${file}.tmp`, JSON.stringify(result));
    await rename(`${file}.tmp`, file);
    return result;
  }
}
