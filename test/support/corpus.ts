import { buildDocx } from "../../src/pipeline/testing/build-docx.js";
import { buildPdf } from "../../src/pipeline/testing/build-pdf.js";
import type { UploadSource } from "./http-upload.js";

const WORDS =
  "intake streams uploads through parse chunk and embed stages with fenced leases and retries".split(" ");

/** Deterministic prose: `n` sentences, varied enough that chunks differ. */
export function prose(seed: number, sentences: number): string {
  const out: string[] = [];
  let x = seed * 2654435761;
  for (let s = 0; s < sentences; s++) {
    const words: string[] = [];
    for (let w = 0; w < 12; w++) {
      x = (x * 1103515245 + 12345) >>> 0;
      words.push(WORDS[x % WORDS.length]!);
    }
    out.push(`${words.join(" ")} ${seed}.${s}.`);
  }
  return out.join(" ");
}

const enc = new TextEncoder();

/** Document `i` of the mixed corpus: text, Markdown, HTML, PDF and DOCX in turn, each unique. */
export function corpusDocument(i: number): UploadSource {
  switch (i % 5) {
    case 0:
      return { filename: `doc${i}.txt`, contentType: "text/plain", body: enc.encode(prose(i, 2000)) };
    case 1: {
      const md = Array.from({ length: 20 }, (_, s) => `## Section ${s}\n\n${prose(i * 100 + s, 60)}\n`).join(
        "\n",
      );
      return {
        filename: `doc${i}.md`,
        contentType: "text/markdown",
        body: enc.encode(`# Doc ${i}\n\n${md}`),
      };
    }
    case 2: {
      const ps = Array.from(
        { length: 40 },
        (_, s) => `<h2>Part ${s}</h2><p>${prose(i * 100 + s, 30)}</p>`,
      ).join("");
      return {
        filename: `doc${i}.html`,
        contentType: "text/html",
        body: enc.encode(`<html><body>${ps}</body></html>`),
      };
    }
    case 3:
      return {
        filename: `doc${i}.pdf`,
        contentType: "application/pdf",
        body: buildPdf(Array.from({ length: 60 }, (_, p) => prose(i * 1000 + p, 12))),
      };
    default:
      return {
        filename: `doc${i}.docx`,
        contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        body: buildDocx(
          Array.from({ length: 120 }, (_, p) => ({
            text: p % 10 === 0 ? `Heading ${p}` : prose(i * 1000 + p, 6),
            style: p % 10 === 0 ? "Heading1" : undefined,
          })),
        ),
      };
  }
}
