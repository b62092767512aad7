// Summarises a V8 .cpuprofile (node --cpu-prof): the top self-time frames, and where the time
// goes by category, attributing each sample to the innermost frame of its stack that belongs to
// a known part (a sha256 digest under the SigV4 signer is signing; one under pg is SQL).
// Standalone: npx tsx scripts/bench/cpu-profile-top.ts FILE.cpuprofile [N [FROM_END_MS [TO_END_MS]]]
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

// bin/intake's own memory flags, which INTAKE_NODE_FLAGS replaces rather than extends.
const LAUNCHER_FLAGS = "--max-semi-space-size=2 --max-old-space-size=192";

/**
 * The environment that makes `bin/intake` write a CPU profile into `dir` (emptied first) when
 * it exits; through the launcher's flag variable, so the profiled process is the one operators run.
 */
export async function cpuProfileEnv(dir: string): Promise<Record<string, string>> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return { INTAKE_NODE_FLAGS: `${LAUNCHER_FLAGS} --cpu-prof --cpu-prof-dir=${dir}` };
}

/** The main thread's profile in `dir` (one file per thread; the main one is numbered 0). */
export async function mainThreadProfile(dir: string): Promise<string | undefined> {
  const file = (await readdir(dir)).find((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  return file && path.join(dir, file);
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  /** Sampled milliseconds, idle excluded. */
  busyMs: number;
  idleMs: number;
  top: { frame: string; ms: number; pct: number }[];
  categories: { category: string; ms: number; pct: number }[];
}

// Order matters only within one frame; along a stack the innermost matching frame wins.
const CATEGORIES: [string, (f: CallFrame) => boolean][] = [
  [
    "signing (SigV4 presign/sign)",
    (f) => /signature-v4|s3-request-presigner|\/storage\/presign\.ts/.test(f.url),
  ],
  ["key hashing (auth)", (f) => /\/auth\/api-keys\.ts|\/api\/auth\.ts|\/auth\/upload-token\.ts/.test(f.url)],
  ["logging (pino)", (f) => /pino|sonic-boom|\/observability\/logger|request-log/.test(f.url)],
  ["SQL / transaction (pg, kysely)", (f) => /node_modules\/(pg|pg-[a-z-]+|kysely)\/|\/src\/db\//.test(f.url)],
  [
    "S3 client (HEAD etc.)",
    (f) => /@aws-sdk|@smithy|fast-xml-parser|\/storage\/(object-store|verify)\.ts/.test(f.url),
  ],
  ["JSON / zod validation", (f) => /node_modules\/zod\/|\/uploads\/schemas\.ts|\/api\/body\.ts/.test(f.url)],
  ["pipeline (chunk, embed)", (f) => /\/src\/pipeline\//.test(f.url)],
  ["sandbox (parse-thread messaging)", (f) => /\/src\/sandbox\/|piscina|node:internal\/worker/.test(f.url)],
  ["HTTP server (hono, node:http)", (f) => /hono|node:_http|node:http/.test(f.url)],
  ["module loading (tsx)", (f) => /node_modules\/(tsx|esbuild)\/|node:internal\/modules/.test(f.url)],
];
// Only when no frame of the stack is one of the above: a socket write flushed from a tick has
// no caller left on the stack to say whose it is.
const FALLBACK: [string, (f: CallFrame) => boolean][] = [
  ["garbage collector", (f) => f.functionName === "(garbage collector)"],
  ["socket I/O, caller unknown", (f) => /node:net|stream_base_commons/.test(f.url)],
];

const short = (url: string) =>
  url
    .replace(/^file:\/\//, "")
    .replace(/^.*node_modules\//, "~/")
    .replace(/^.*\/(src|scripts)\//, "$1/");

/**
 * `window` keeps only the samples from `fromEndMs` to `toEndMs` before the profile's end (the
 * load phase, without start-up and shutdown); without it, every sample counts.
 */
export function summarizeProfile(
  profile: Profile,
  topN = 15,
  window?: { fromEndMs: number; toEndMs: number },
): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Time per node from samples and their deltas when present (hitCount counts samples only).
  const ms = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    const deltas = profile.timeDeltas;
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      at += deltas[i] ?? 0;
      const beforeEndMs = (profile.endTime - at) / 1000;
      if (window && (beforeEndMs > window.fromEndMs || beforeEndMs < window.toEndMs)) return;
      ms.set(id, (ms.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0) / 1000);
    });
  } else {
    for (const n of profile.nodes) ms.set(n.id, n.hitCount ?? 0);
  }
  const category = new Map<number, string>();
  const categoryOf = (id: number): string => {
    const known = category.get(id);
    if (known) return known;
    const f = byId.get(id)!.callFrame;
    const hit = CATEGORIES.find(([, match]) => match(f))?.[0];
    const p = parent.get(id);
    const c = hit ?? (p === undefined ? "" : categoryOf(p));
    category.set(id, c);
    return c;
  };
  const fallbackOf = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      const hit = FALLBACK.find(([, match]) => match(f))?.[0];
      if (hit) return hit;
    }
    return "other";
  };
  const frames = new Map<string, number>();
  const cats = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  for (const [id, t] of ms) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === "(idle)") {
      idleMs += t;
      continue;
    }
    busyMs += t;
    const name =
      `${f.functionName || "(anonymous)"} ${f.url ? `${short(f.url)}:${f.lineNumber + 1}` : ""}`.trim();
    frames.set(name, (frames.get(name) ?? 0) + t);
    const c = categoryOf(id) || fallbackOf(id);
    cats.set(c, (cats.get(c) ?? 0) + t);
  }
  const pct = (t: number) => Math.round((1000 * t) / busyMs) / 10;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    busyMs: Math.round(busyMs),
    idleMs: Math.round(idleMs),
    top: sorted(frames)
      .slice(0, topN)
      .map(([frame, t]) => ({ frame, ms: Math.round(t), pct: pct(t) })),
    categories: sorted(cats).map(([category, t]) => ({ category, ms: Math.round(t), pct: pct(t) })),
  };
}

export async function printProfileTop(
  file: string,
  topN = 15,
  window?: { fromEndMs: number; toEndMs: number },
): Promise<ProfileSummary> {
  const s = summarizeProfile(JSON.parse(await readFile(file, "utf8")) as Profile, topN, window);
  const span = window ? `, ${round(window.fromEndMs)}-${round(window.toEndMs)} ms before its end` : "";
  console.log(`\nCPU profile ${file}${span}: ${s.busyMs} ms busy, ${s.idleMs} ms idle (% of busy)`);
  console.log("top self-time frames:");
  for (const t of s.top)
    console.log(`  ${String(t.pct).padStart(5)}%  ${String(t.ms).padStart(6)} ms  ${t.frame}`);
  console.log("by category (innermost known frame of each sample):");
  for (const c of s.categories)
    console.log(`  ${String(c.pct).padStart(5)}%  ${String(c.ms).padStart(6)} ms  ${c.category}`);
  return s;
}

const round = (n: number) => Math.round(n);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, topN, fromEndMs, toEndMs] = process.argv.slice(2);
  const window = fromEndMs ? { fromEndMs: Number(fromEndMs), toEndMs: Number(toEndMs ?? 0) } : undefined;
  await printProfileTop(file!, Number(topN ?? 15), window);
}
