import { describe, expect, it } from "vitest";
import { bytesIn, collectingSink, utf8 } from "../testing/streams.js";
import { parseDocument } from "./index.js";

async function parseHtmlText(html: string, pieceSize = 7) {
  const sink = collectingSink();
  const result = await parseDocument(
    bytesIn(utf8(html), pieceSize),
    { declaredContentType: "text/html", filename: "p.html", size: html.length },
    sink,
  );
  return { result, text: sink.text() };
}

describe("parseDocument on HTML", () => {
  it("keeps visible text, drops scripts and styles, decodes entities and breaks at blocks", async () => {
    const html = `<!DOCTYPE html><html><head><title>The  Page</title><style>p{color:red}</style></head>
      <body><script>var x = "<p>no</p>";</script><h1>Fish &amp; Chips</h1>
      <p>Salt   and
      vinegar&nbsp;&lt;3</p><ul><li>one</li><li>two</li></ul><p>a<br>b</p><pre>  keep
  spaces</pre></body></html>`;
    const { result, text } = await parseHtmlText(html);
    expect(text).toBe("Fish & Chips\n\nSalt and vinegar\u00a0<3\n\none\ntwo\n\na\nb\n\n  keep\n  spaces");
    expect(result.metadata.title).toBe("The Page");
    expect(result.type).toBe("html");
  });

  it("records h1-h6 as sections pointing at the heading text", async () => {
    const { result, text } = await parseHtmlText(
      "<h1>Top</h1><p>x</p><h2>Sub <em>part</em></h2><p>y</p><h1>Next</h1><p>z</p>",
      3,
    );
    expect(result.sections.map(({ title, level }) => [title, level])).toEqual([
      ["Top", 1],
      ["Sub part", 2],
      ["Next", 1],
    ]);
    const [top, sub, next] = result.sections;
    expect(text.slice(sub?.start, sub?.start !== undefined ? sub.start + 8 : 0)).toBe("Sub part");
    expect(top?.end).toBe(next?.start);
    expect(sub?.end).toBe(next?.start);
    expect(next?.end).toBe(text.length);
  });

  it("fails with too_large once the limit is crossed", async () => {
    const html = `<p>${"word ".repeat(10_000)}</p>`;
    const sink = collectingSink();
    const parsing = parseDocument(
      bytesIn(utf8(html)),
      { declaredContentType: "text/html", filename: "p.html", size: 0 },
      sink,
      {
        limits: { htmlMaxBytes: 20_000 },
      },
    );
    await expect(parsing).rejects.toMatchObject({ code: "too_large" });
  });
});
