import { afterAll, describe, expect, it } from "vitest";
import { renderTextBitmap } from "../pipeline/ocr/testing/render-text.js";
import { MIN_WORD_OVERLAP, SENTENCES } from "../pipeline/ocr/testing/sentences.js";
import { wordOverlap } from "../pipeline/ocr/testing/word-overlap.js";
import { parseDocument } from "../pipeline/parse/index.js";
import { buildImagePdf } from "../pipeline/testing/build-image-pdf.js";
import { buildPdf } from "../pipeline/testing/build-pdf.js";
import { nestedHtml } from "../pipeline/testing/hostile.js";
import { bytesIn, collectingSink, utf8 } from "../pipeline/testing/streams.js";
import { ParseExecutor } from "./parse-executor.js";

const ocrOn = { enabled: true, languages: ["eng"], perPageTimeoutMs: 30_000, maxPages: 10, dpi: 200 };
const budget = {
  threads: 2,
  memoryMb: 256,
  timeoutBaseMs: 30_000,
  timeoutPerMiBMs: 2000,
  ocr: { ...ocrOn, enabled: false },
};
const info = (filename: string, declaredContentType: string, size: number) => ({
  filename,
  declaredContentType,
  size,
});
const executors: ParseExecutor[] = [];
const executor = (overrides: Partial<typeof budget> = {}, limits = {}) => {
  const e = new ParseExecutor({ ...budget, ...overrides }, limits);
  executors.push(e);
  return e;
};
afterAll(async () => {
  await Promise.all(executors.map((e) => e.close()));
});

/** Largest delay of a 5 ms timer on this thread while `work` runs: how blocked the thread was. */
async function worstTimerLag<T>(work: Promise<T>): Promise<{ value: T; lagMs: number }> {
  let lagMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lagMs = Math.max(lagMs, now - last - 5);
    last = now;
  }, 5);
  try {
    return { value: await work, lagMs };
  } finally {
    clearInterval(timer);
  }
}

describe("ParseExecutor", () => {
  it("gives the same text and result as parsing in process, streamed in order", async () => {
    const md = `# One\n\n${"word ".repeat(50_000)}\n\n## Two\n\nend\n`;
    const bytes = utf8(md);
    const direct = collectingSink();
    const expected = await parseDocument(
      bytesIn(bytes, 4096),
      info("a.md", "text/markdown", bytes.length),
      direct,
    );
    const sink = collectingSink();
    const result = await executor().parse(
      bytesIn(bytes, 4096),
      info("a.md", "text/markdown", bytes.length),
      sink,
    );
    expect(result).toEqual(expected);
    expect(sink.text()).toBe(direct.text());
    expect(sink.writes).toBeGreaterThan(1);
  });

  it("sends each chunk's own bytes when the source's Buffers share memory with other data", async () => {
    // Node streams (an S3 body among them) may yield Buffers that are views into a larger
    // ArrayBuffer, or small Buffers cut from Node's shared 8 KiB pool. Only the chunk's bytes may
    // cross to the thread: neither the rest of the pool (other data of this process) nor a
    // detached caller buffer.
    const text = "Code\nSymbol\nName\n\nAED\nد.إ\nUnited Arab Emirates dirham\n".repeat(40);
    const bytes = utf8(text);
    const backing = Buffer.alloc(bytes.length * 2 + 64, 0);
    backing.set(bytes, 32);
    async function* views() {
      for (let at = 0; at < bytes.length; at += 500) {
        yield backing.subarray(32 + at, 32 + Math.min(at + 500, bytes.length));
      }
    }
    async function* pooled() {
      for (let at = 0; at < bytes.length; at += 500) {
        const piece = Buffer.from(bytes.subarray(at, Math.min(at + 500, bytes.length)));
        expect(piece.buffer.byteLength).toBeGreaterThan(piece.length);
        yield piece;
      }
    }
    for (const source of [views, pooled]) {
      const sink = collectingSink();
      const result = await executor().parse(
        source(),
        info("currency.csv.txt", "application/octet-stream", bytes.length),
        sink,
      );
      expect(result.type).toBe("text");
      expect(sink.text()).toBe(text);
    }
    // The caller's buffer is left as it was: not detached, not changed.
    expect(backing.subarray(32, 32 + bytes.length).equals(Buffer.from(bytes))).toBe(true);
  });

  it("reads a whole-file format from chunks that grow and shrink (buffers handed back and reused)", async () => {
    // The thread hands each copied-out chunk's buffer back for the next chunk; a next chunk
    // larger than it needs a new one. The text must be the in-process parse's either way.
    const pdf = buildPdf(Array.from({ length: 150 }, (_, i) => `page ${i + 1} of a long document`));
    const sizes = [1, 20_000, 5, 70_000, 16_384, 16_385, 100_000, 3, 40_000];
    const pieces: Uint8Array[] = [];
    for (let at = 0, i = 0; at < pdf.length; i++) {
      const size = sizes[i % sizes.length]!;
      pieces.push(pdf.slice(at, at + size));
      at += size;
    }
    const copies = pieces.map((p) => p.slice());
    async function* source() {
      yield* pieces;
    }
    const direct = collectingSink();
    const expected = await parseDocument(
      bytesIn(pdf, 64 * 1024),
      info("long.pdf", "application/pdf", pdf.length),
      direct,
    );
    const sink = collectingSink();
    const result = await executor().parse(source(), info("long.pdf", "application/pdf", pdf.length), sink);
    expect(result.pageCount).toBe(150);
    expect(sink.text()).toBe(direct.text());
    expect(result.pages).toEqual(expected.pages);
    // The caller's chunks are its own still: copied from, never detached or written.
    expect(pieces).toEqual(copies);
  });

  it("keeps this thread free while a hostile document is parsed", async () => {
    const html = utf8(nestedHtml(300_000));
    const sink = collectingSink();
    const { value, lagMs } = await worstTimerLag(
      executor().parse(bytesIn(html, 64 * 1024), info("x.html", "text/html", html.length), sink),
    );
    expect(value.type).toBe("html");
    expect(value.metadata.flattenedTags).toBeGreaterThan(299_000);
    expect(sink.text()).toBe("deep");
    expect(lagMs).toBeLessThan(100);
  });

  it("ends a parse past its busy-time budget with parse_timeout and keeps serving", async () => {
    const pages = Array.from({ length: 3000 }, (_, i) => `page ${i} ${"text ".repeat(40)}`);
    const pdf = buildPdf(pages);
    const tiny = executor({ timeoutBaseMs: 50, timeoutPerMiBMs: 0 });
    const started = performance.now();
    await expect(
      tiny.parse(bytesIn(pdf, 64 * 1024), info("x.pdf", "application/pdf", pdf.length), collectingSink()),
    ).rejects.toMatchObject({ code: "parse_timeout" });
    expect(performance.now() - started).toBeLessThan(5000);
    const ok = utf8("still works");
    const sink = collectingSink();
    await tiny.parse(bytesIn(ok), info("a.txt", "text/plain", ok.length), sink);
    expect(sink.text()).toBe("still works");
  });

  it("does not count time waiting on a slow sink against the budget", async () => {
    const text = utf8("x".repeat(6 * 64 * 1024));
    let writes = 0;
    const slowSink = {
      write: async () => {
        writes++;
        await new Promise((r) => setTimeout(r, 150));
      },
    };
    const tight = executor({ timeoutBaseMs: 400, timeoutPerMiBMs: 0 });
    const result = await tight.parse(
      bytesIn(text, 64 * 1024),
      info("a.txt", "text/plain", text.length),
      slowSink,
    );
    // Six writes of 150 ms each: far over the 400 ms budget in wall time, within it in busy time.
    expect(writes).toBe(6);
    expect(result.chars).toBe(text.length);
  });

  it("fails a document that needs more than the memory cap with too_large", async () => {
    const json = utf8(`[${Array.from({ length: 400_000 }, (_, i) => `{"k${i}":"v${i}"}`).join(",")}]`);
    const small = executor({ memoryMb: 32 }, { jsonValidateMaxBytes: 64 * 1024 * 1024 });
    await expect(
      small.parse(
        bytesIn(json, 64 * 1024),
        info("a.json", "application/json", json.length),
        collectingSink(),
      ),
    ).rejects.toMatchObject({ code: "too_large", message: expect.stringContaining("memory cap") });
  });

  it("terminates the thread when the caller aborts, with the caller's reason", async () => {
    const pages = Array.from({ length: 3000 }, (_, i) => `page ${i} ${"text ".repeat(40)}`);
    const pdf = buildPdf(pages);
    const abort = new AbortController();
    const reason = new Error("lease lost");
    let pagesSeen = 0;
    const parsing = executor().parse(
      bytesIn(pdf, 64 * 1024),
      info("x.pdf", "application/pdf", pdf.length),
      collectingSink(),
      {
        signal: abort.signal,
        onProgress: (p) => {
          pagesSeen = p.pagesParsed ?? pagesSeen;
          if (pagesSeen >= 10) abort.abort(reason);
        },
      },
    );
    await expect(parsing).rejects.toBe(reason);
    expect(pagesSeen).toBeLessThan(3000);
  });

  it("passes a failing source's own error through and releases the source", async () => {
    const boom = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    let returned = false;
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        let n = 0;
        return {
          next: async () => {
            if (n++ < 3) return { done: false, value: utf8("hello ".repeat(1000)) };
            throw boom;
          },
          return: async () => {
            returned = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    await expect(executor().parse(source, info("a.txt", "text/plain", 1e6), collectingSink())).rejects.toBe(
      boom,
    );
    expect(returned).toBe(true);
  });

  it("keeps the codes of document errors across the thread boundary", async () => {
    const pdf = buildPdf(["secret"], { encrypted: true });
    await expect(
      executor().parse(bytesIn(pdf), info("x.pdf", "application/pdf", pdf.length), collectingSink()),
    ).rejects.toMatchObject({ name: "PipelineError", code: "encrypted_file" });
  });
});

describe("OCR in the sandbox", () => {
  const scannedPdf = async () =>
    buildImagePdf([
      { textLines: ["A page with a real text layer stays as it is, word for word."] },
      { gray: await renderTextBitmap([SENTENCES[0], SENTENCES[1]]) },
    ]);

  it("reads a scanned page by OCR and keeps the text page verbatim; OCR time is not parse time", async () => {
    const pdf = await scannedPdf();
    const progress: { pagesOcred?: number; pagesTotal?: number }[] = [];
    // A 1 s parse budget: OCR of the scanned page alone takes longer on this machine, so the
    // parse completes only because OCR's own per-page budget governs that time.
    const e = executor({ timeoutBaseMs: 1000, timeoutPerMiBMs: 0, ocr: ocrOn });
    const sink = collectingSink();
    const result = await e.parse(
      bytesIn(pdf, 64 * 1024),
      info("scan.pdf", "application/pdf", pdf.length),
      sink,
      {
        onProgress: (p) => progress.push(p),
      },
    );
    const [page1, page2] = result.pages.map((p) => sink.text().slice(p.start, p.end));
    expect(page1).toBe("A page with a real text layer stays as it is, word for word.");
    expect(wordOverlap(`${SENTENCES[0]} ${SENTENCES[1]}`, page2!)).toBeGreaterThanOrEqual(MIN_WORD_OVERLAP);
    expect(result.warnings).toEqual([]);
    expect(result.metadata.ocr).toMatchObject({ pagesOcred: 1, skippedPages: [] });
    expect(progress).toContainEqual(expect.objectContaining({ pagesOcred: 1, pagesTotal: 2 }));
  }, 60_000);

  it("with OCR off, completes with the text layer and warns no_text_layer for the scanned page", async () => {
    const pdf = await scannedPdf();
    const sink = collectingSink();
    const result = await executor().parse(
      bytesIn(pdf, 64 * 1024),
      info("scan.pdf", "application/pdf", pdf.length),
      sink,
    );
    expect(result.warnings).toEqual(["no_text_layer"]);
    expect(result.metadata.pagesWithoutText).toEqual([2]);
    expect(sink.text()).toContain("A page with a real text layer");
  });

  it("an image is a document: its page is read by OCR", async () => {
    const png = await renderTextPageAs("png");
    const sink = collectingSink();
    const result = await executor({ ocr: ocrOn }).parse(
      bytesIn(png, 64 * 1024),
      info("receipt.png", "image/png", png.length),
      sink,
    );
    expect(result.type).toBe("image");
    expect(result.pageCount).toBe(1);
    expect(wordOverlap(SENTENCES[3], sink.text())).toBeGreaterThanOrEqual(MIN_WORD_OVERLAP);
  }, 60_000);
});

async function renderTextPageAs(format: "png") {
  const { renderTextPage } = await import("../pipeline/ocr/testing/render-text.js");
  return renderTextPage([SENTENCES[3]], format);
}
