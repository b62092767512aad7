import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { buildPdf, buildPdfWithPageTree, type PageTreeNode, serializePdf } from "../testing/build-pdf.js";
import { bytesIn, collectingSink } from "../testing/streams.js";
import { parseDocument } from "./index.js";

// pdf.js walks a /Pages node kid by kid for every page it looks up, so a flat tree of n pages
// cost O(n²) (a 20,000-page PDF ran past its parse budget). patches/pdfjs-dist+*.patch indexes
// runs of leaf kids instead; these tests hold it to pdf.js's own answers on every tree shape.

async function pageTexts(pdf: Uint8Array, order: number[]): Promise<string[]> {
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const task = getDocument({ data: pdf.slice(), verbosity: 0, isEvalSupported: false });
  try {
    const doc = await task.promise;
    const texts: string[] = [];
    for (const n of order) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      texts.push(content.items.map((i) => ("str" in i ? i.str : "")).join(""));
      page.cleanup();
      // The parser cleans up as it goes; the index must survive that.
      if (texts.length % 7 === 0) await doc.cleanup();
    }
    return texts;
  } finally {
    await task.destroy();
  }
}

const page = (n: number) => `page ${n}`;

describe("pdf.js page lookup (patched for flat page trees)", () => {
  it("is the patched build", () => {
    const require = createRequire(import.meta.url);
    const worker = readFileSync(require.resolve("pdfjs-dist/legacy/build/pdf.worker.mjs"), "utf8");
    // A boolean, so a failure does not print the whole 2 MB bundle.
    expect(worker.includes("pageLeafKids"), "npm install did not apply patches/pdfjs-dist+*.patch").toBe(
      true,
    );
    expect(worker.includes("PREFETCH_MAX_KIDS"), "the patch's memory half is missing").toBe(true);
  });

  it("lets go of the pages it served at a cleanup, and serves them again after", async () => {
    const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
    const pdf = buildPdf(Array.from({ length: 40 }, (_, i) => page(i + 1)));
    const task = getDocument({ data: pdf.slice(), verbosity: 0, isEvalSupported: false });
    try {
      const doc = await task.promise;
      const before = await doc.getPage(7);
      expect(await doc.getPage(7)).toBe(before);
      await doc.cleanup();
      const after = await doc.getPage(7);
      expect(after).not.toBe(before);
      const content = await after.getTextContent();
      expect(content.items.map((i) => ("str" in i ? i.str : "")).join("")).toBe(page(7));
    } finally {
      await task.destroy();
    }
  });

  it("finds every page of a flat tree in any order", async () => {
    const count = 300;
    const pdf = buildPdf(Array.from({ length: count }, (_, i) => page(i + 1)));
    const order = [count, 1, 150, 151, 2, 299, 75, ...Array.from({ length: count }, (_, i) => i + 1)];
    expect(await pageTexts(pdf, order)).toEqual(order.map(page));
  });

  it("finds every page of nested trees with empty nodes and leaves between them", async () => {
    const tree: PageTreeNode[] = [
      page(1),
      [],
      [page(2), page(3)],
      page(4),
      [[page(5)], [], page(6), [page(7), [page(8), page(9)]]],
      page(10),
      page(11),
      [[]],
      page(12),
    ];
    const pdf = buildPdfWithPageTree(tree);
    const forward = Array.from({ length: 12 }, (_, i) => i + 1);
    const order = [...forward, ...forward.toReversed(), 6, 11, 1, 9, 12, 4];
    expect(await pageTexts(pdf, order)).toEqual(order.map(page));
  });

  it("parses a flat 3,000-page PDF page by page in order", async () => {
    const count = 3000;
    const pdf = buildPdf(Array.from({ length: count }, (_, i) => page(i + 1)));
    const sink = collectingSink();
    const result = await parseDocument(
      bytesIn(pdf, 64 * 1024),
      {
        declaredContentType: "application/pdf",
        filename: "long.pdf",
        size: pdf.length,
      },
      sink,
    );
    const text = sink.text();
    expect(result.pageCount).toBe(count);
    expect(result.pages.map((p) => text.slice(p.start, p.end))).toEqual(
      Array.from({ length: count }, (_, i) => page(i + 1)),
    );
  });

  it("ends with corrupt_file, not a hang, on page trees that loop or repeat a page", async () => {
    const page = (id: number, text: string) => [
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${id + 1} 0 R >>`,
      `<< /Length ${text.length + 30} >>\nstream\nBT /F1 18 Tf 72 720 Td (${text}) Tj ET\nendstream`,
    ];
    const font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
    const trees = {
      // The root lists itself among its kids.
      selfLoop: [
        "",
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [4 0 R 2 0 R] /Count 3 >>",
        font,
        ...page(4, "one"),
      ],
      // An inner node lists the root.
      innerLoop: [
        "",
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [4 0 R 6 0 R] /Count 3 >>",
        font,
        ...page(4, "one"),
        "<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 2 >>",
      ],
    };
    for (const [name, objects] of Object.entries(trees)) {
      const pdf = serializePdf(objects);
      const info = { declaredContentType: "application/pdf", filename: `${name}.pdf`, size: pdf.length };
      const outcome = await parseDocument(bytesIn(pdf, 4096), info, collectingSink()).then(
        (r) => `pages ${r.pageCount}`,
        (err: { code?: string }) => err.code,
      );
      expect(outcome, name).toBe("corrupt_file");
    }
  });

  it("reads a page that the tree lists twice as often as it is listed", async () => {
    const objects = [
      "",
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [4 0 R 4 0 R 6 0 R] /Count 3 >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
      "<< /Length 33 >>\nstream\nBT /F1 18 Tf 72 720 Td (twice) Tj ET\nendstream",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 7 0 R >>",
      "<< /Length 32 >>\nstream\nBT /F1 18 Tf 72 720 Td (last) Tj ET\nendstream",
    ];
    expect(await pageTexts(serializePdf(objects), [1, 2, 3, 2, 1])).toEqual([
      "twice",
      "twice",
      "last",
      "twice",
      "twice",
    ]);
  });
});
