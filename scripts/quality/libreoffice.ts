import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { CACHE_ROOT } from "./cache.js";
import { odfBodyText } from "./odf-text.js";
import { commandOutput } from "./run-command.js";

const TIMEOUT_MS = 180_000;

/**
 * Converts `file` with a headless LibreOffice and returns the files it wrote. Each concurrent
 * conversion gets its own profile (`slot`): two soffice processes on one profile wait on its lock.
 * soffice exits 0 even when it cannot load the file, so no output file is the failure signal.
 */
async function convert(file: string, target: string, slot: number): Promise<Map<string, Buffer>> {
  const outdir = await mkdtemp(path.join(os.tmpdir(), "intake-quality-lo-"));
  try {
    const profile = pathToFileURL(path.join(CACHE_ROOT, `quality-lo-profile-${slot}`)).href;
    const args = ["--headless", "--norestore", `-env:UserInstallation=${profile}`, "--convert-to", target];
    await commandOutput("soffice", [...args, "--outdir", outdir, file], { timeoutMs: TIMEOUT_MS });
    const names = (await readdir(outdir)).sort();
    if (names.length === 0) throw new Error("LibreOffice could not convert the file");
    const files = new Map<string, Buffer>();
    for (const name of names) files.set(name, await readFile(path.join(outdir, name)));
    return files;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/** Writer's own plain-text export (body text; no headers, footers or text in shapes). */
export async function writerText(file: string, slot: number): Promise<string> {
  const files = await convert(file, "txt:Text (encoded):UTF8", slot);
  return [...files.values()].map((b) => b.toString("utf8").replace(/^\uFEFF/, "")).join("\n");
}

// Filter options of Calc's CSV export: comma, double quote, UTF-8, from line 1, default column
// types, then "save cell contents as shown" (true) and, last, -1: every sheet to its own file
// named <base>-<sheet>.csv (LibreOffice 7.2 and later).
const CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1";

/** Every sheet's cells as displayed (cached formula values, formatted dates), under its name. */
export async function calcText(file: string, slot: number): Promise<string> {
  const files = await convert(file, CSV_ALL_SHEETS, slot);
  const base = path.parse(file).name;
  const sheets: string[] = [];
  for (const [name, bytes] of files) {
    const sheet = name.startsWith(`${base}-`) ? name.slice(base.length + 1).replace(/\.csv$/, "") : "";
    sheets.push(`${sheet}\n${bytes.toString("utf8")}`);
  }
  return sheets.join("\n");
}

/**
 * Impress has no plain-text export and its HTML export repeats text across its slide and notes
 * views, so the presentation is saved as flat ODF and its body text read: slides in order, with
 * tables, grouped shapes and speaker notes, but not the master slides.
 */
export async function impressText(file: string, slot: number): Promise<string> {
  const files = await convert(file, "fodp", slot);
  return [...files.values()].map((b) => odfBodyText(b.toString("utf8"))).join("\n");
}
