import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Chunk, type ChunkOptions, chunkText } from "./chunk.js";
import { collect, stringsIn } from "./testing/streams.js";

const chunk = (text: string, options: ChunkOptions, pieceSize = 13) =>
  collect(chunkText(stringsIn(text, pieceSize), { format: "markdown", ...options }));

const word = fc.constantFrom("alpha", "beta", "gamma", "delta", "Q3", "revenue", "é", "😀", "x.", "end!");
const words = (max: number) => fc.array(word, { minLength: 1, maxLength: max }).map((w) => w.join(" "));
const cell = fc.array(word, { minLength: 1, maxLength: 2 }).map((w) => w.join(" "));
const table = fc
  .integer({ min: 1, max: 3 })
  .chain((columns) =>
    fc
      .tuple(
        fc.array(cell, { minLength: columns, maxLength: columns }),
        fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), { minLength: 1, maxLength: 12 }),
      )
      .map(([header, rows]) =>
        [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n"),
      ),
  );
const code = fc
  .tuple(fc.constantFrom("```", "```ts", "~~~"), fc.array(words(4), { maxLength: 14 }))
  .map(([fence, lines]) => [fence, ...lines.map((l) => `  ${l}`), fence.slice(0, 3)].join("\n"));
const heading = fc.tuple(fc.integer({ min: 1, max: 4 }), words(3)).map(([n, t]) => `${"#".repeat(n)} ${t}`);
const paragraph = fc.array(words(8), { minLength: 1, maxLength: 4 }).map((s) => s.join(". "));
const markdown = fc
  .array(fc.oneof(heading, paragraph, table, code), { minLength: 1, maxLength: 14 })
  .map((blocks) => `${blocks.join("\n\n")}\n`);

interface Line {
  start: number;
  end: number;
  text: string;
  kind: "text" | "row" | "fence";
  /** For fence lines: the block's [start, end); for rows: the table's header + delimiter. */
  block?: [number, number];
  header?: string;
  path: string[];
}

/** A reference reading of the whole text, line by line (the chunker reads it streamed). */
function linesOf(text: string): Line[] {
  const lines: Line[] = [];
  let path: string[] = [];
  const levels: string[] = [];
  let fence: Line[] | null = null;
  let table: Line[] = [];
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline + 1;
    const body = text.slice(start, newline < 0 ? end : newline);
    const line: Line = { start, end, text: body, kind: "text", path };
    if (fence || /^(```|~~~)/.test(body)) {
      line.kind = "fence";
      if (fence && /^(```|~~~)$/.test(body)) {
        fence.push(line);
        for (const l of fence) l.block = [fence[0]?.start ?? 0, end];
        fence = null;
      } else {
        fence ??= [];
        fence.push(line);
      }
    } else if (body.startsWith("|")) {
      line.kind = "row";
      table.push(line);
      if (table.length > 2) line.header = `${table[0]?.text}\n${table[1]?.text}\n`;
    } else {
      table = [];
      const m = /^(#{1,6}) (.*)$/.exec(body);
      if (m?.[1] && m[2] !== undefined) {
        levels.length = m[1].length - 1;
        levels[m[1].length - 1] = m[2].trim();
        path = levels.filter((h) => h);
        line.path = path;
      }
    }
    lines.push(line);
    start = end;
  }
  for (const l of fence ?? []) l.block = [fence?.[0]?.start ?? 0, text.length];
  return lines;
}

const lineAt = (lines: Line[], offset: number) => lines.findLast((l) => l.start <= offset);

function checkMarkdownInvariants(text: string, chunks: Chunk[], size: number, overlap: number): void {
  const lines = linesOf(text);
  expect(chunks[0]?.start).toBe(0);
  expect(chunks.at(-1)?.end).toBe(text.length);
  chunks.forEach((c, i) => {
    expect(c.seq).toBe(i);
    expect(c.text).toBe(c.context + text.slice(c.start, c.end));
    expect(c.text.length).toBeLessThanOrEqual(size);
    const previous = chunks[i - 1];
    if (previous) {
      expect(c.start).toBeGreaterThan(previous.start);
      expect(previous.end - c.start).toBeLessThanOrEqual(overlap);
    }
    const first = lineAt(lines, c.start);
    // No row is split: every row here is shorter than what a chunk holds besides a header.
    for (const at of [c.start, c.end]) {
      const line = lineAt(lines, at);
      if (line?.kind === "row") expect(at === line.start || at === text.length).toBe(true);
    }
    // A chunk starting in a table's body repeats the header, when it leaves room for rows.
    if (first?.kind === "row" && first.header && c.start === first.start) {
      const fits = first.header.length * 2 <= size - overlap;
      expect(c.context).toBe(fits ? first.header : "");
    }
    // A code block that fits in a chunk is never cut.
    const last = lineAt(lines, c.end - 1);
    if (last?.kind === "fence" && last.block && last.block[1] - last.block[0] <= size) {
      expect(c.end >= last.block[1] || c.end === text.length).toBe(true);
    }
    // A longer one is cut at a line end.
    if (last?.kind === "fence" && c.end < text.length) expect(text[c.end - 1]).toBe("\n");
    const lead = /^\s*/.exec(text.slice(c.start, c.end))?.[0].length ?? 0;
    const pathLine = lineAt(lines, c.start + lead < c.end ? c.start + lead : c.start);
    expect(c.headingPath).toEqual(pathLine?.path ?? []);
  });
}

describe("chunkText on Markdown", () => {
  it("keeps rows and fitting code blocks whole, repeats headers, tracks heading paths (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        markdown,
        fc.integer({ min: 120, max: 400 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 40 }),
        async (text, size, overlap, pieceSize) => {
          const chunks = await chunk(text, { size, overlap }, pieceSize);
          checkMarkdownInvariants(text, chunks, size, overlap);
          // Deterministic: the same text in other pieces gives the same chunks.
          expect(await chunk(text, { size, overlap }, 4096)).toEqual(chunks);
        },
      ),
      { numRuns: 250 },
    );
  });

  it("repeats a table's header and delimiter rows in each chunk that starts in its body", async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `| Q${i} | ${1000 + i} |`).join("\n");
    const text = `# Report\n\n## Revenue\n\n| Quarter | Amount |\n| --- | ---: |\n${rows}\n`;
    const chunks = await chunk(text, { size: 80, overlap: 0 });
    const header = "| Quarter | Amount |\n| --- | ---: |\n";
    const inBody = chunks.filter((c) => /^\| Q\d/.test(text.slice(c.start)));
    expect(inBody.length).toBeGreaterThan(2);
    for (const c of inBody) {
      expect(c.context).toBe(header);
      expect(c.text.startsWith(`${header}| Q`)).toBe(true);
      expect(c.headingPath).toEqual(["Report", "Revenue"]);
    }
    expect(chunks.every((c) => c.text.split("\n").every((l) => l === "" || /^(#|\|.*\|$)/.test(l)))).toBe(
      true,
    );
  });

  it("keeps a code block whole when it fits and splits a longer one at line ends, reopening the fence", async () => {
    const small = "```ts\nconst a = 1;\nconst b = 2;\n```";
    const text = `Intro text that runs on a while.\n\n${small}\n\nAfter.`;
    const whole = await chunk(text, { size: 60, overlap: 0 });
    expect(whole.some((c) => c.text.includes(small))).toBe(true);

    const lines = Array.from({ length: 30 }, (_, i) => `line ${i} of code`);
    const long = `\`\`\`py\n${lines.join("\n")}\n\`\`\`\n`;
    const parts = await chunk(long, { size: 100, overlap: 0 });
    expect(parts.length).toBeGreaterThan(3);
    for (const c of parts.slice(1)) {
      expect(c.context).toBe("```py\n");
      expect(c.text.slice(c.context.length)).toMatch(/^(line \d+ of code\n)+(```\n)?$/);
    }
  });

  it("gives each chunk the heading path where its text begins", async () => {
    const text = [
      "# Report",
      "Intro.",
      "## Q3",
      "### Revenue",
      "Revenue grew.",
      "## Q4",
      "Flat.",
      "```",
      "# not a heading",
      "```",
    ].join("\n\n");
    const chunks = await chunk(text, { size: 30, overlap: 0 });
    const byText = Object.fromEntries(chunks.map((c) => [c.text.trim(), c.headingPath]));
    expect(byText["### Revenue\n\nRevenue grew."]).toEqual(["Report", "Q3", "Revenue"]);
    expect(byText["## Q4\n\nFlat."]).toEqual(["Report", "Q4"]);
    expect(chunks.at(-1)?.headingPath).toEqual(["Report", "Q4"]);
    const plain = await collect(chunkText(stringsIn(text, 7), { size: 30, overlap: 0 }));
    expect(plain.every((c) => c.headingPath.length === 0 && c.context === "")).toBe(true);
  });
});
