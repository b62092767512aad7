// OCR throughput and memory on this machine: `npx tsx scripts/bench/ocr.ts [--pages N]`.
// Standalone (needs tesseract-ocr, tesseract-ocr-eng and poppler-utils, nothing else): it
// renders dense pages of known text itself, then reads them as an image-only PDF (pdftoppm +
// Tesseract per page) and as a multi-page TIFF (Tesseract per page), one page at a time as the
// parse sandbox does, while sampling the RSS of this process and all its children.
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { ocrAvailability, ocrImagePages, ocrPdfPages } from "../../src/pipeline/ocr/index.js";
import type { OcrPage } from "../../src/pipeline/ocr/options.js";
import { buildGrayTiff } from "../../src/pipeline/ocr/testing/build-tiff.js";
import { renderTextBitmap } from "../../src/pipeline/ocr/testing/render-text.js";
import { SENTENCES } from "../../src/pipeline/ocr/testing/sentences.js";
import { buildImagePdf } from "../../src/pipeline/testing/build-image-pdf.js";

export interface OcrBenchCase {
  name: string;
  pages: number;
  seconds: number;
  pagesPerSecond: number;
  pageMsP50: number;
  pageMsMax: number;
  charsPerPage: number;
  /** Highest sum of RSS over this process and its children, sampled every 20 ms. */
  peakTreeRssMb: number;
  /** Highest RSS of one child (a tesseract or pdftoppm). */
  peakChildRssMb: number;
}

const SAMPLE_MS = 20;

/** Runs both cases on `pages` pages at `dpi`. */
export async function benchOcr(pages: number, dpi = 200): Promise<OcrBenchCase[]> {
  const availability = await ocrAvailability();
  if (!availability.available || !availability.pdf)
    throw new Error(`OCR is not available: ${availability.reason}`);
  const bitmaps = await Promise.all(
    Array.from({ length: pages }, (_, i) => renderTextBitmap(densePage(i), dpi)),
  );
  const pdf = buildImagePdf(bitmaps.map((gray) => ({ gray })));
  const tiff = buildGrayTiff(bitmaps);
  const all = Array.from({ length: pages }, (_, i) => i + 1);
  return [
    await measure(`image-only PDF, ${dpi} dpi (pdftoppm + tesseract)`, () =>
      ocrPdfPages(pdf, all, { dpi, maxPages: pages }),
    ),
    await measure(`multi-page TIFF, ${dpi} dpi (tesseract)`, () => ocrImagePages(tiff, { maxPages: pages })),
  ];
}

/** 28 lines of about 65 characters: a dense page of body text in 14-pt type (~1,800 characters). */
function densePage(seed: number): string[] {
  return Array.from({ length: 28 }, (_, i) => `${SENTENCES[(seed + i) % SENTENCES.length]} ${seed}.${i}`);
}

async function measure(name: string, run: () => Promise<{ pages: OcrPage[] }>): Promise<OcrBenchCase> {
  const sampler = new TreeRssSampler();
  const started = performance.now();
  const { pages } = await run();
  const seconds = (performance.now() - started) / 1000;
  sampler.stop();
  const durations = pages.map((p) => p.durationMs).sort((a, b) => a - b);
  return {
    name,
    pages: pages.length,
    seconds: round(seconds, 2),
    pagesPerSecond: round(pages.length / seconds, 2),
    pageMsP50: durations[Math.floor(durations.length / 2)] ?? 0,
    pageMsMax: durations[durations.length - 1] ?? 0,
    charsPerPage: Math.round(pages.reduce((sum, p) => sum + p.text.length, 0) / Math.max(1, pages.length)),
    peakTreeRssMb: round(sampler.peakTreeKb / 1024, 1),
    peakChildRssMb: round(sampler.peakChildKb / 1024, 1),
  };
}

/** Samples VmRSS of this process and every descendant; children live 1-3 s, so 20 ms sees them. */
class TreeRssSampler {
  peakTreeKb = 0;
  peakChildKb = 0;
  readonly #timer = setInterval(() => this.#sample(), SAMPLE_MS);

  stop(): void {
    clearInterval(this.#timer);
    this.#sample();
  }

  #sample(): void {
    const parents = new Map<number, number>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
        parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        // exited
      }
    }
    const tree = new Set([process.pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, ppid] of parents) {
        if (tree.has(ppid) && !tree.has(pid)) {
          tree.add(pid);
          grew = true;
        }
      }
    }
    let total = 0;
    for (const pid of tree) {
      const kb = rssKb(pid);
      total += kb;
      if (pid !== process.pid) this.peakChildKb = Math.max(this.peakChildKb, kb);
    }
    this.peakTreeKb = Math.max(this.peakTreeKb, total);
  }
}

function rssKb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { pages: { type: "string", default: "12" }, dpi: { type: "string", default: "200" } },
  });
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  console.log(`OCR bench: ${os.cpus().length} x ${cpu}, Node ${process.version}, one page at a time`);
  const cases = await benchOcr(Number(values.pages), Number(values.dpi));
  console.log(
    "| case | pages | pages/s | page p50 / max | chars/page | peak RSS, process tree | peak RSS, one child |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const c of cases) {
    console.log(
      `| ${c.name} | ${c.pages} | ${c.pagesPerSecond} | ${c.pageMsP50} / ${c.pageMsMax} ms | ${c.charsPerPage} | ${c.peakTreeRssMb} MB | ${c.peakChildRssMb} MB |`,
    );
  }
}
