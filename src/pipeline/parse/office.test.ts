import { describe, expect, it } from "vitest";
import { buildEpub, buildOdf, buildPptx, buildXlsx, pptxShape } from "../testing/build-office.js";
import { parseBytes } from "../testing/streams.js";

describe("XLSX", () => {
  it("writes each sheet under its name as a GFM table with cached values, dates and percents", async () => {
    const xlsx = buildXlsx([
      {
        name: "Q3 | Revenue",
        rows: [
          ["Region", "Amount", "Date", "Share"],
          [
            "North",
            { xml: '<c r="B2"><f>SUM(1,2)</f><v>0.30000000000000004</v></c>' },
            { xml: '<c r="C2" s="1"><v>45000</v></c>' },
            { xml: '<c r="D2" s="2"><v>0.125</v></c>' },
          ],
          [{ xml: '<c r="A3" t="b"><v>1</v></c>' }, { xml: '<c r="D3" t="e"><v>#DIV/0!</v></c>' }],
        ],
      },
      { name: "Empty", rows: [] },
    ]);
    const { result, text } = await parseBytes(xlsx, "book.bin");
    expect(result.type).toBe("xlsx");
    expect(result.textFormat).toBe("markdown");
    expect(text).toBe(
      [
        "## Q3 | Revenue",
        "| Region | Amount | Date | Share |\n| --- | --- | --- | --- |\n| North | 0.3 | 2023-03-15 | 12.5% |\n| TRUE |  |  | #DIV/0! |",
        "## Empty",
      ].join("\n\n"),
    );
    expect(result.sections.map((s) => s.title)).toEqual(["Q3 | Revenue", "Empty"]);
  });

  it("reads shared strings without their phonetic runs, and leaves merged cells empty", async () => {
    const xlsx = buildXlsx([
      {
        name: "S",
        rows: [
          [{ xml: '<c r="B1" t="s"><v>0</v></c>' }],
          [{ xml: '<c r="B2" t="s"><v>1</v></c>' }, { xml: '<c r="C2"><v>7</v></c>' }],
        ],
        extra: '<mergeCells><mergeCell ref="B1:C1"/></mergeCells>',
      },
    ]);
    const { unzipSync, zipSync } = await import("fflate");
    const files = unzipSync(xlsx);
    files["xl/sharedStrings.xml"] = new TextEncoder().encode(
      "<sst><si><t>Merged</t></si><si><r><t>Kan</t></r><r><t>ji</t></r><rPh><t>かんじ</t></rPh></si></sst>",
    );
    const { text } = await parseBytes(zipSync(files), "a.xlsx");
    expect(text).toBe("## S\n\n| Merged |  |\n| --- | --- |\n| Kanji | 7 |");
  });

  it("stops at the cell bound and says so", async () => {
    const rows = Array.from({ length: 50 }, (_, r) => [`r${r}a`, `r${r}b`]);
    const { result, text } = await parseBytes(
      buildXlsx([
        { name: "Big", rows },
        { name: "Later", rows },
      ]),
      "a.xlsx",
      undefined,
      {
        sheetMaxCells: 21,
      },
    );
    expect(text).toContain("| r9a | r9b |");
    expect(text).not.toContain("r11a");
    expect(text).not.toContain("Later");
    expect(text).toMatch(/at most 21 cells/);
    expect(result.metadata.truncatedAtCells).toBe(21);
  });

  it("leaves out columns past the column bound and says so", async () => {
    const far = { xml: '<c r="ZZ1" t="inlineStr"><is><t>far away</t></is></c>' };
    const { result, text } = await parseBytes(buildXlsx([{ name: "W", rows: [["near", far]] }]), "a.xlsx");
    expect(text).not.toContain("far away");
    expect(result.metadata.cellsSkipped).toBe(1);
  });
});

describe("PPTX", () => {
  it("writes slides in presentation order with titles, bullets, text boxes, grouped shapes, tables and notes", async () => {
    const table =
      "<p:graphicFrame><a:graphic><a:graphicData><a:tbl><a:tr><a:tc><a:txBody><a:p><a:r><a:t>H1</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>H2</a:t></a:r></a:p></a:txBody></a:tc></a:tr><a:tr><a:tc><a:txBody><a:p><a:r><a:t>x|y</a:t></a:r></a:p></a:txBody></a:tc><a:tc/></a:tr></a:tbl></a:graphicData></a:graphic></p:graphicFrame>";
    const pptx = buildPptx([
      {
        shapes: `${pptxShape("Body point\nSecond point", "")}${pptxShape("Welcome", "title")}${pptxShape("12", "sldNum")}`,
        notes: "Say hello first.",
      },
      {
        shapes: `<p:grpSp>${pptxShape("Grouped text")}<p:grpSp>${pptxShape("Deeper text")}</p:grpSp></p:grpSp>${table}`,
      },
    ]);
    const { result, text } = await parseBytes(pptx, "deck.pptx");
    expect(result.type).toBe("pptx");
    expect(text).toBe(
      [
        "## Welcome",
        "- Body point\n- Second point",
        "### Notes",
        "Say hello first.",
        "---",
        "Grouped text",
        "Deeper text",
        "| H1 | H2 |\n| --- | --- |\n| x\\|y |  |",
      ].join("\n\n"),
    );
    expect(result.metadata.slides).toBe(2);
  });

  it("keeps typed footer and date text but not automatic dates and slide numbers", async () => {
    const field = (type: string, text: string) =>
      `<p:sp><p:nvSpPr><p:nvPr><p:ph type="${type}"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:fld type="datetime1"><a:t>${text}</a:t></a:fld></a:p></p:txBody></p:sp>`;
    const pptx = buildPptx([
      {
        shapes: `${pptxShape("Plan", "title")}${field("dt", "3/1/2024")}${pptxShape("Q3 review", "dt")}${pptxShape("ACME confidential", "ftr")}${pptxShape("7", "sldNum")}`,
      },
    ]);
    const { text } = await parseBytes(pptx, "deck.pptx");
    expect(text).toBe("## Plan\n\nQ3 review\n\nACME confidential");
  });
});

describe("OpenDocument", () => {
  it("ODT: headings by outline level, numbered and bulleted lists, tables", async () => {
    const odt = buildOdf(
      "text",
      `<text:h text:outline-level="2">Plan</text:h><text:p>Intro<text:s text:c="2"/>text<text:note><text:note-body><text:p>footnote</text:p></text:note-body></text:note></text:p>
      <text:list text:style-name="L1"><text:list-item><text:p>first</text:p><text:list><text:list-item><text:p>inner</text:p></text:list-item></text:list></text:list-item><text:list-item><text:p>second</text:p></text:list-item></text:list>
      <table:table table:name="T"><table:table-row><table:table-cell><text:p>A</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2"><text:p>B</text:p></table:table-cell></table:table-row></table:table>`,
      '<text:list-style style:name="L1"><text:list-level-style-number text:level="1" style:num-format="1"/><text:list-level-style-bullet text:level="2"/></text:list-style>',
    );
    const { result, text } = await parseBytes(odt, "a.odt");
    expect(result.type).toBe("odt");
    expect(text).toBe(
      "## Plan\n\nIntro  text\n\n1. first\n    - inner\n2. second\n\n| A | B | B |\n| --- | --- | --- |",
    );
  });

  it("ODS: each table under its name, repeated empty padding not expanded", async () => {
    const ods = buildOdf(
      "spreadsheet",
      `<table:table table:name="Data"><table:table-row><table:table-cell><text:p>x</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16383"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>`,
    );
    const { result, text } = await parseBytes(ods, "a.ods");
    expect(result.type).toBe("ods");
    expect(text).toBe("## Data\n\n| x |\n| --- |");
  });

  it("ODP: pages separated by rules, title frames as headings", async () => {
    const odp = buildOdf(
      "presentation",
      `<draw:page><draw:frame presentation:class="title"><draw:text-box><text:p>First</text:p></draw:text-box></draw:frame><draw:frame><draw:text-box><text:p>Body</text:p></draw:text-box></draw:frame><presentation:notes><draw:frame><draw:text-box><text:p>Note</text:p></draw:text-box></draw:frame></presentation:notes></draw:page><draw:page><draw:frame presentation:class="title"><draw:text-box><text:p>Second</text:p></draw:text-box></draw:frame></draw:page>`,
    );
    const { text } = await parseBytes(odp, "a.odp");
    expect(text).toBe("## First\n\nBody\n\n### Notes\n\nNote\n\n---\n\n## Second");
  });
});

describe("EPUB", () => {
  it("reads chapters in spine order, not manifest order", async () => {
    const epub = buildEpub({ a: "<h1>Chapter A</h1><p>alpha</p>", b: "<h1>Chapter B</h1><p>beta</p>" }, [
      "b",
      "a",
    ]);
    const { result, text } = await parseBytes(epub, "book.epub", "application/epub+zip");
    expect(result.type).toBe("epub");
    expect(text).toBe("# Chapter B\n\nbeta\n\n# Chapter A\n\nalpha");
    expect(result.metadata).toMatchObject({ title: "A Book", chapters: 2 });
  });
});

describe("hostile office files", () => {
  const xlsx = buildXlsx([{ name: "S", rows: [["cell ".repeat(2000)]] }]);

  it("reports truncated XLSX, PPTX and EPUB files as corrupt", async () => {
    const pptx = buildPptx([{ shapes: pptxShape("x".repeat(5000)) }]);
    const epub = buildEpub({ a: `<p>${"y".repeat(5000)}</p>` }, ["a"]);
    for (const [bytes, name] of [
      [xlsx, "a.xlsx"],
      [pptx, "a.pptx"],
      [epub, "a.epub"],
    ] as const) {
      await expect(parseBytes(bytes.slice(0, bytes.length - 30), name), name).rejects.toMatchObject({
        code: "corrupt_file",
      });
    }
  });

  it("stops a sheet that inflates past the archive's budget as a zip bomb", async () => {
    const rows = Array.from({ length: 20_000 }, () => ["same text in every cell of a bomb"]);
    const bomb = buildXlsx([{ name: "S", rows }]);
    await expect(
      parseBytes(bomb, "a.xlsx", undefined, { docxMaxDecompressedBytes: 256 * 1024 }),
    ).rejects.toMatchObject({
      code: "decompression_limit",
    });
  });

  it("fails slide XML nested past the depth bound as too_complex", async () => {
    const deep = `${"<p:grpSp>".repeat(2000)}${pptxShape("deep")}${"</p:grpSp>".repeat(2000)}`;
    await expect(parseBytes(buildPptx([{ shapes: deep }]), "a.pptx")).rejects.toMatchObject({
      code: "too_complex",
    });
  });
});
