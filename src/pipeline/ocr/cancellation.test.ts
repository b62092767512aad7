import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { buildImagePdf } from "../testing/build-image-pdf.js";
import { ocrImagePages } from "./image-pages.js";
import { ocrPdfPages } from "./pdf-pages.js";
import { buildGrayTiff } from "./testing/build-tiff.js";
import { childProcessNames, waitFor } from "./testing/child-processes.js";
import { renderTextBitmap, renderTextPage } from "./testing/render-text.js";
import { SENTENCES } from "./testing/sentences.js";

const OCR_TOOLS = ["tesseract", "pdftoppm", "pdfinfo", "setpriv"];
const ocrChildren = (parent = process.pid) =>
  childProcessNames(parent).filter((name) => OCR_TOOLS.includes(name));

/** A TIFF of `pages` dense 300-dpi pages: seconds of Tesseract work per page. */
async function slowTiff(pages: number): Promise<Uint8Array> {
  const lines = Array.from({ length: 28 }, (_, i) => `${SENTENCES[i % SENTENCES.length]} ${i}`);
  const bitmap = await renderTextBitmap(lines, 300);
  return buildGrayTiff(Array.from({ length: pages }, () => bitmap));
}

/** The pid and input directory of a running tesseract started by `parent` (any of its threads). */
function runningTesseract(parent = process.pid): { pid: number; inputDir: string } | undefined {
  for (const thread of readdirSync(`/proc/${parent}/task`)) {
    for (const child of procText(`/proc/${parent}/task/${thread}/children`).split(" ")) {
      // "tesseract" once exec'd: setpriv has set the parent-death signal by then.
      if (child === "" || procText(`/proc/${child}/comm`).trim() !== "tesseract") continue;
      const args = procText(`/proc/${child}/cmdline`).split("\0");
      const image = args.find((a) => a.includes("intake-ocr-"));
      if (image) return { pid: Number(child), inputDir: path.dirname(image) };
    }
  }
  return undefined;
}

/** A /proc file's text, or "" when its thread or process exited between the listing and the read. */
function procText(file: string): string {
  try {
    return readFileSync(file, "latin1");
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === "ENOENT" ||
      (error as NodeJS.ErrnoException).code === "ESRCH"
    )
      return "";
    throw error;
  }
}

describe("OCR budgets and cancellation", { timeout: 60_000 }, () => {
  it("fails a page over its budget with ocr_timeout and leaves no child running", async () => {
    const png = await renderTextPage([SENTENCES[0]], "png");
    await expect(ocrImagePages(png, { perPageTimeoutMs: 50 })).rejects.toMatchObject({
      name: "OcrError",
      code: "ocr_timeout",
      page: 1,
      permanent: true,
      message: expect.stringContaining("per-page budget of"),
    });
    const pdf = buildImagePdf([{ gray: await renderTextBitmap([SENTENCES[1]]) }]);
    await expect(ocrPdfPages(pdf, [1], { perPageTimeoutMs: 50 })).rejects.toMatchObject({
      code: "ocr_timeout",
    });
    expect(ocrChildren()).toEqual([]);
  });

  it("kills the running tesseract on abort, removes its files and rejects with the abort's reason", async () => {
    const tiff = await slowTiff(3);
    const abort = new AbortController();
    const reason = new Error("lease lost");
    const ocr = ocrImagePages(tiff, { signal: abort.signal, perPageTimeoutMs: 120_000 });
    const caught = ocr.catch((err: unknown) => err);
    await waitFor(() => runningTesseract() !== undefined);
    const { pid, inputDir } = runningTesseract()!;
    expect(existsSync(inputDir)).toBe(true);
    abort.abort(reason);
    expect(await caught).toBe(reason);
    expect(ocrChildren()).toEqual([]);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(existsSync(inputDir)).toBe(false);
  });

  it("does not start on a signal that is already aborted", async () => {
    const png = await renderTextPage([SENTENCES[0]], "png", 50);
    await expect(ocrImagePages(png, { signal: AbortSignal.abort(new Error("cancelled")) })).rejects.toThrow(
      "cancelled",
    );
    expect(ocrChildren()).toEqual([]);
  });

  it("leaves no orphan when the thread running OCR is terminated, as the sandbox does", async () => {
    const worker = new Worker(new URL("./testing/ocr-thread.mjs", import.meta.url), {
      workerData: { image: await slowTiff(2) },
    });
    try {
      await waitFor(() => runningTesseract() !== undefined, 20_000);
      const { pid } = runningTesseract()!;
      await worker.terminate();
      // No JavaScript runs in a terminated thread: the kernel's parent-death signal kills the child
      // at once, long before the page (1.5 s of CPU or more) could end by itself.
      await waitFor(() => !isAlive(pid), 500);
    } finally {
      await worker.terminate();
    }
  });

  it("leaves no orphan when the whole process is SIGKILLed", async () => {
    const thread = new URL("./testing/ocr-thread.mjs", import.meta.url).href;
    const dir = await mkdtemp(path.join(os.tmpdir(), "intake-ocr-test-"));
    const imageFile = path.join(dir, "slow.tif");
    await writeFile(imageFile, await slowTiff(2));
    const script = `
      import { readFileSync } from "node:fs";
      import { Worker } from "node:worker_threads";
      const image = new Uint8Array(readFileSync(process.argv[1]));
      new Worker(new URL(${JSON.stringify(thread)}), { workerData: { image }, execArgv: [] });`;
    const child: ChildProcess = spawn(process.execPath, ["--input-type=module", "-e", script, imageFile], {
      stdio: "ignore",
    });
    try {
      await waitFor(() => runningTesseract(child.pid) !== undefined, 20_000);
      const { pid } = runningTesseract(child.pid)!;
      child.kill("SIGKILL");
      await waitFor(() => !isAlive(pid), 500);
    } finally {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Running, not exited and not a zombie waiting for a reaper. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
