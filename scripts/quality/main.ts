// Entry of `npm run quality` (issue 12's quality benchmark, not a CI test):
//   npm run quality [-- --only docx,pdf] [-- --files N] [-- --no-markitdown]
// Converts every file of ../shared/corpus/unstructured with intake's parsers (in process) and
// with markitdown, scores both by token F1 against an independent reference per format (see
// references.ts), prints a table per format and writes .intake/quality/latest.json and
// .intake/quality/latest-files.csv.
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { round } from "../lib/stats.js";
import { type CorpusFile, listCorpus } from "./corpus.js";
import { intakeText } from "./intake-text.js";
import { ensureMarkitdown, markitdownText } from "./markitdown.js";
import { referenceFor, referenceText } from "./references.js";
import { type FileResult, type Outcome, resultsCsv, summarize, summaryTable } from "./report.js";
import { tokenF1 } from "./token-f1.js";
import { missingPackages, type ToolName, toolVersion } from "./tools.js";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    files: { type: "string" },
    "no-markitdown": { type: "boolean", default: false },
  },
});
const repo = fileURLToPath(new URL("../../", import.meta.url));
const corpusRoot = path.resolve(repo, "../shared/corpus/unstructured");
const only = values.only ? new Set(values.only.split(",").map((f) => f.trim().toLowerCase())) : undefined;
const perFormat = values.files ? Number(values.files) : Number.POSITIVE_INFINITY;
const withMarkitdown = !values["no-markitdown"];
const log = (m: string) => console.error(`[quality ${new Date().toISOString().slice(11, 19)}] ${m}`);
const started = Date.now();

const byFormat = new Map<string, CorpusFile[]>();
for (const file of await listCorpus(corpusRoot)) {
  if (only && !only.has(file.format)) continue;
  const group = byFormat.get(file.format) ?? [];
  if (group.length < perFormat) group.push(file);
  byFormat.set(file.format, group);
}
const files = [...byFormat.values()].flat();

const tools = new Set<ToolName>();
for (const format of byFormat.keys()) {
  const reference = referenceFor(format);
  if (typeof reference !== "string" && reference.tool) tools.add(reference.tool);
}
const missing = await missingPackages(tools);
if (missing.length > 0) {
  console.error(
    `quality: missing ${missing.join(", ")}: apt-get update && apt-get install -y ${missing.join(" ")}`,
  );
  process.exit(1);
}
let markitdownVersion: string | undefined;
if (withMarkitdown) {
  try {
    markitdownVersion = await ensureMarkitdown(log);
  } catch (error) {
    console.error(`quality: ${(error as Error).message}`);
    process.exit(1);
  }
}

log(`${files.length} files in ${byFormat.size} formats from ${corpusRoot}`);
const results: FileResult[] = [];
let done = 0;
await inParallel(files, 2, async (file, slot) => {
  results.push(await scoreFile(file, slot));
  done += 1;
  if (done % 20 === 0 || done === files.length) log(`${done}/${files.length} files`);
});

async function scoreFile(file: CorpusFile, slot: number): Promise<FileResult> {
  const reference = referenceFor(file.format);
  const base = { name: file.name, format: file.format, bytes: file.bytes };
  if (typeof reference === "string") return { ...base, reference: "none", unscored: reference };
  const intake = await intakeText(file);
  const ref = await referenceText(reference, file, slot);
  if (ref.error !== undefined)
    return { ...base, reference: reference.id, unscored: `reference failed: ${ref.error}` };
  const score = (text: string | undefined, error?: string): Outcome =>
    error !== undefined ? { error } : tokenF1(text ?? "", ref.text);
  const md = markitdownVersion ? await markitdownText(file, markitdownVersion) : undefined;
  const intakeScore = score(intake.error === undefined ? intake.text : undefined, intake.error);
  const result: FileResult = {
    ...base,
    reference: reference.id,
    referenceTokens: tokenF1("", ref.text).referenceTokens,
    intake: { ...intakeScore, seconds: intake.seconds },
  };
  if (md) result.markitdown = score(md.text, md.error);
  return result;
}

results.sort((a, b) => a.format.localeCompare(b.format) || a.name.localeCompare(b.name));
const summaries = [...byFormat.keys()].map((format) =>
  summarize(
    format,
    results.filter((r) => r.format === format),
  ),
);
const overall = summarize("overall", results);
overall.reference = "";

const referenceVersions: Record<string, string> = {};
for (const tool of tools) referenceVersions[tool] = await toolVersion(tool);
const dir = path.join(repo, ".intake/quality");
await mkdir(dir, { recursive: true });
const out = {
  generated_at: new Date().toISOString(),
  duration_s: round((Date.now() - started) / 1000, 1),
  machine: { cpus: os.cpus().length, node: process.version },
  corpus: corpusRoot,
  options: { only: values.only ?? null, files_per_format: values.files ?? null, markitdown: withMarkitdown },
  markitdown: markitdownVersion ?? null,
  reference_tools: referenceVersions,
  formats: summaries,
  overall,
  files: results,
};
await writeFile(path.join(dir, "latest.json"), `${JSON.stringify(out, null, 2)}\n`);
await writeFile(path.join(dir, "latest-files.csv"), resultsCsv(results));

console.log(
  `\nintake quality: token F1 against an independent reference, ${markitdownVersion ?? "markitdown skipped"}\n`,
);
console.log(summaryTable([...summaries, overall]));
console.log(
  `\nwrote .intake/quality/latest.json and latest-files.csv in ${out.duration_s} s (failures score 0; ratio = intake / markitdown)`,
);

/** Runs `task` over `items` with at most `slots` at a time; each call gets its slot number. */
async function inParallel<T>(items: T[], slots: number, task: (item: T, slot: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: slots }, async (_, slot) => {
      while (next < items.length) await task(items[next++]!, slot);
    }),
  );
}
