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
    expect(text).toBe(
      "# Fish & Chips\n\nSalt and vinegar\u00a0<3\n\n- one\n- two\n\na\nb\n\n```\n  keep\n  spaces\n```",
    );
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
    expect(text.slice(sub?.start, sub?.start !== undefined ? sub.start + 11 : 0)).toBe("## Sub part");
    expect(top?.end).toBe(next?.start);
    expect(sub?.end).toBe(next?.start);
    expect(next?.end).toBe(text.length);
  });

  it("writes lists, tables, code and quotes as Markdown", async () => {
    const html = `<ol start="3"><li>three<ul><li>nested</li></ul></li><li>four</li></ol>
      <table><tr><th>Name</th><th colspan="2">Value | unit</th></tr>
      <tr><td>a<br>b</td><td>1</td><td><table><tr><td>inner</td></tr></table></td></tr></table>
      <pre><code class="language-ts">const x = 1;</code></pre><blockquote>quoted</blockquote><p># not a heading</p>`;
    const { text } = await parseHtmlText(html);
    expect(text).toBe(
      [
        "3. three\n    - nested\n4. four",
        "| Name | Value \\| unit |  |\n| --- | --- | --- |\n| a<br>b | 1 | inner |",
        "```ts\nconst x = 1;\n```",
        "> quoted",
        "\\# not a heading",
      ].join("\n\n"),
    );
  });

  it("writes an image's alt text where the image is", async () => {
    const { text } = await parseHtmlText(
      '<p>Before<img src="data:image/png;base64,AAAA" alt="Company  logo">after</p><img src="x.gif" alt=" ">',
    );
    expect(text).toBe("Before Company logo after");
  });

  it("keeps rows after an end tag of an element opened outside the table, as browsers do", async () => {
    const html = `<center><b>Chemistry</b><table><tr><td>C</td><td>Si</td></tr></center>
      <tr><td>0.39</td><td>0.2</td></tr></table></center><p>after</p>`;
    const { text } = await parseHtmlText(html);
    expect(text).toBe("Chemistry\n\n| C | Si |\n| --- | --- |\n| 0.39 | 0.2 |\n\nafter");
  });

  it("keeps text that stands between the cells of a table", async () => {
    const html = `<table><tr><td>cell</td><tr><table><tr> <td>inner</td></tr></table> stray words </table>`;
    const { text } = await parseHtmlText(html);
    expect(text).toContain("inner");
    expect(text).toContain("stray words");
  });

  it("reads a page in the legacy charset it declares", async () => {
    const bytes = new Uint8Array([
      ...utf8('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'),
      ...utf8("</head><body><p>"),
      ...[0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2],
      ...[0x20, 0x88],
      ...utf8("</p></body></html>"),
    ]);
    const sink = collectingSink();
    await parseDocument(
      bytesIn(bytes, 5),
      { declaredContentType: "text/html", filename: "p.html", size: 0 },
      sink,
    );
    expect(sink.text()).toBe("Привет €");
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
