import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { sha256 } from "./cache.js";

export interface CorpusFile {
  /** Absolute path. */
  path: string;
  /** Path below the corpus root, as reports show it. */
  name: string;
  /** Lowercased extension with aliases merged (htm is html, jpeg is jpg); "(none)" without one. */
  format: string;
  bytes: number;
  sha256: string;
}

const ALIASES: Record<string, string> = { htm: "html", jpeg: "jpg", tif: "tiff", markdown: "md" };

/** Every file below `root`, sorted by format then name. */
export async function listCorpus(root: string): Promise<CorpusFile[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: CorpusFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const data = await readFile(full);
    files.push({
      path: full,
      name: path.relative(root, full),
      format: formatOf(entry.name),
      bytes: data.length,
      sha256: sha256(data),
    });
  }
  return files.sort((a, b) => a.format.localeCompare(b.format) || a.name.localeCompare(b.name));
}

function formatOf(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return "(none)";
  const ext = name.slice(dot + 1).toLowerCase();
  return ALIASES[ext] ?? ext;
}
