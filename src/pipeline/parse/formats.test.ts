import { describe, expect, it } from "vitest";
import { buildDocxParts } from "../testing/build-docx.js";
import { buildEml } from "../testing/build-office.js";
import { buildPdf, buildUnicodePdf } from "../testing/build-pdf.js";
import { parseBytes, utf8 } from "../testing/streams.js";

const W = 'xmlns:w="w" xmlns:mc="mc" xmlns:m="m"';
const run = (text: string) => `<w:r><w:t xml:space="preserve">${text}</w:t></w:r>`;
const para = (body: string, props = "") => `<w:p>${props ? `<w:pPr>${props}</w:pPr>` : ""}${body}</w:p>`;
const docx = (body: string, extra: Record<string, string> = {}) =>
  buildDocxParts({ "word/document.xml": `<w:document ${W}><w:body>${body}</w:body></w:document>`, ...extra });

describe("DOCX structure", () => {
  it("reads a text box once (mc:Choice, not mc:Fallback) and keeps equations' text", async () => {
    const textBox = (text: string) => `<w:txbxContent>${para(run(text))}</w:txbxContent>`;
    const body =
      para(
        `<w:r><mc:AlternateContent><mc:Choice Requires="wps">${textBox("boxed words")}</mc:Choice><mc:Fallback>${textBox("boxed words")}</mc:Fallback></mc:AlternateContent></w:r>`,
      ) +
      para(
        `${run("Energy: ")}<m:oMath><m:r><m:t>E=m</m:t></m:r><m:sSup><m:e><m:r><m:t>c</m:t></m:r></m:e><m:sup><m:r><m:t>2</m:t></m:r></m:sup></m:sSup></m:oMath>`,
      );
    const { text } = await parseBytes(docx(body), "a.docx");
    expect(text).toBe("boxed words\n\nEnergy: E=mc2");
  });

  it("writes numbered and bulleted lists from numbering.xml, localized heading styles and tables", async () => {
    const numbering = `<w:numbering ${W}><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:numFmt w:val="decimal"/></w:lvl><w:lvl w:ilvl="1"><w:numFmt w:val="bullet"/></w:lvl></w:abstractNum><w:num w:numId="5"><w:abstractNumId w:val="0"/></w:num></w:numbering>`;
    const styles = `<w:styles ${W}><w:style w:type="paragraph" w:styleId="berschrift2"><w:name w:val="heading 2"/></w:style></w:styles>`;
    const item = (text: string, ilvl: number) =>
      para(run(text), `<w:numPr><w:ilvl w:val="${ilvl}"/><w:numId w:val="5"/></w:numPr>`);
    const cell = (text: string, props = "") =>
      `<w:tc>${props ? `<w:tcPr>${props}</w:tcPr>` : ""}${para(run(text))}</w:tc>`;
    const body = [
      para(run("Zahlen"), '<w:pStyle w:val="berschrift2"/>'),
      item("one", 0),
      item("sub", 1),
      item("two", 0),
      `<w:tbl><w:tr>${cell("Head", '<w:gridSpan w:val="2"/>')}${cell("C")}</w:tr><w:tr>${cell("a|b")}${cell("x")}${cell("")}</w:tr></w:tbl>`,
      para(run("after")),
    ].join("");
    const { result, text } = await parseBytes(
      docx(body, { "word/numbering.xml": numbering, "word/styles.xml": styles }),
      "a.docx",
    );
    expect(text).toBe(
      "## Zahlen\n\n1. one\n    - sub\n2. two\n\n| Head |  | C |\n| --- | --- | --- |\n| a\\|b | x |  |\n\nafter",
    );
    expect(result.sections).toEqual([{ title: "Zahlen", level: 2, start: 0, end: text.length }]);
    expect(result.metadata.tables).toBe(1);
  });
});

describe("RTF", () => {
  it("writes headings, paragraphs, tables and escaped characters", async () => {
    const rtf = String.raw`{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}{\stylesheet{\s1 heading 1;}}{\*\generator Test;}
{\pard\s1 Title\par}
{\pard Caf\'e9 \u8364? and \{braces\}\par}
\trowd\cellx1000\cellx2000\pard\intbl A\cell B\cell\row
\trowd\cellx1000\cellx2000\pard\intbl 1\cell 2\cell\row
\pard After{\field{\*\fldinst HYPERLINK "x"}{\fldrslt link}}\par}`;
    const { result, text } = await parseBytes(utf8(rtf), "a.bin");
    expect(result.type).toBe("rtf");
    expect(text).toBe("# Title\n\nCafé € and {braces}\n\n| A | B |\n| --- | --- |\n| 1 | 2 |\n\nAfterlink");
  });

  it("fails RTF nested past the depth bound as too_complex", async () => {
    const rtf = `{\\rtf1 ${"{".repeat(1000)}x${"}".repeat(1000)}}`;
    await expect(parseBytes(utf8(rtf), "a.rtf")).rejects.toMatchObject({ code: "too_complex" });
  });
});

describe("EML", () => {
  it("writes headers and body, and parses attachments as sections of the same document", async () => {
    const pdf = buildPdf(["attached pdf words"]);
    const eml = buildEml(
      {
        From: "Ann <ann@example.com>",
        To: "bob@example.com",
        Subject: "=?UTF-8?Q?Caf=C3=A9_report?=",
        Date: "Tue, 1 Oct 2024 10:00:00 +0000",
      },
      "Hello Bob,\n\n- point one\n- point two",
      [
        { filename: "notes.txt", type: "text/plain", content: utf8("attached text words") },
        { filename: "a.pdf", type: "application/pdf", content: pdf },
        { filename: "bad.docx", type: "application/octet-stream", content: utf8("PK\u0003\u0004 not a zip") },
      ],
    );
    const { result, text } = await parseBytes(utf8(eml), "mail.eml", "message/rfc822");
    expect(result.type).toBe("eml");
    expect(text).toBe(
      [
        "# Café report",
        "From: Ann <ann@example.com>\nTo: bob@example.com\nDate: Tue, 1 Oct 2024 10:00:00 +0000",
        "Hello Bob,",
        "- point one\n- point two",
        "## Attachment: notes.txt",
        "attached text words",
        "## Attachment: a.pdf",
        "attached pdf words",
        "## Attachment: bad.docx",
        "(attachment not read: corrupt_file)",
      ].join("\n\n"),
    );
    expect(result.pages).toEqual([{ page: 1, start: 0, end: text.length }]);
    expect(result.sections.map((s) => s.title)).toEqual([
      "Café report",
      "Attachment: notes.txt",
      "Attachment: a.pdf",
      "Attachment: bad.docx",
    ]);
    expect(result.metadata.attachments).toEqual([
      { filename: "notes.txt", status: "parsed" },
      { filename: "a.pdf", status: "parsed" },
      { filename: "bad.docx", status: "failed", code: "corrupt_file" },
    ]);
  });

  it("is detected without a declared type, and follows attached e-mails only so deep", async () => {
    let eml = buildEml({ From: "a@example.com", Subject: "level 0" }, "innermost");
    for (let level = 1; level <= 5; level++) {
      eml = buildEml({ From: "a@example.com", Subject: `level ${level}` }, `body ${level}`, [
        { filename: `inner${level}.eml`, type: "message/rfc822", content: utf8(eml) },
      ]);
    }
    const { result, text } = await parseBytes(utf8(eml), "upload");
    expect(result.type).toBe("eml");
    expect(text).toContain("body 3");
    expect(text).not.toContain("body 1");
    expect(result.metadata.attachments).toEqual([{ filename: "inner5.eml", status: "parsed" }]);
  });
});

describe("PDF in right-to-left scripts", () => {
  const visual = (text: string) => [...text].reverse().join("");

  it("puts a Hebrew line split into several items in logical order", async () => {
    // Drawn left to right as a Hebrew writer stores them: the line's last word first.
    const pdf = buildUnicodePdf([
      [visual("שנייה"), visual("שורה")],
      [visual("שלום"), "2024", "hello"],
      ["English only"],
    ]);
    const { text } = await parseBytes(pdf, "a.pdf");
    const lines = text.split("\n");
    expect(lines[0]?.replace(/\s+/g, " ").trim()).toBe("שורה שנייה");
    expect(lines[2]?.trim()).toBe("English only");
  });

  it("reorders Arabic words and keeps a Latin run inside an RTL line in its own order", async () => {
    const pdf = buildUnicodePdf([["PDF", "file", visual("ملف"), visual("هذا")]]);
    const { text } = await parseBytes(pdf, "a.pdf");
    expect(text.replace(/\s+/g, " ").trim()).toBe("هذا ملف PDF file");
  });
});
