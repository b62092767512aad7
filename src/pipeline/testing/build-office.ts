import { zipSync } from "fflate";

const enc = new TextEncoder();
const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A zip of these text parts; `mimetype` first and stored, as ODF and EPUB require. */
export function buildZip(parts: Record<string, string>): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [name, text] of Object.entries(parts))
    files[name] = [enc.encode(text), { level: name === "mimetype" ? 0 : 6 }];
  return zipSync(files);
}

const rel = (id: string, target: string) => `<Relationship Id="${id}" Target="${target}" Type="x"/>`;
const rels = (items: string[]) => `<Relationships xmlns="r">${items.join("")}</Relationships>`;

/** An XLSX whose cells are given as rows of raw `<c>` XML or plain strings (inline strings). */
export function buildXlsx(
  sheets: { name: string; rows: (string | { xml: string })[][]; extra?: string }[],
  styles = "",
): Uint8Array {
  const parts: Record<string, string> = {
    "[Content_Types].xml": "<Types/>",
    "xl/workbook.xml": `<workbook xmlns:r="r"><sheets>${sheets
      .map((sheet, i) => `<sheet name="${escapeXml(sheet.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
      .join("")}</sheets></workbook>`,
    "xl/_rels/workbook.xml.rels": rels(
      sheets.map((_, i) => rel(`rId${i + 1}`, `worksheets/sheet${i + 1}.xml`)),
    ),
    "xl/styles.xml":
      styles ||
      '<styleSheet><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="10"/></cellXfs></styleSheet>',
  };
  sheets.forEach((sheet, i) => {
    const rows = sheet.rows
      .map(
        (cells, r) =>
          `<row r="${r + 1}">${cells
            .map((cell) =>
              typeof cell === "string" ? `<c t="inlineStr"><is><t>${escapeXml(cell)}</t></is></c>` : cell.xml,
            )
            .join("")}</row>`,
      )
      .join("");
    parts[`xl/worksheets/sheet${i + 1}.xml`] =
      `<worksheet><sheetData>${rows}</sheetData>${sheet.extra ?? ""}</worksheet>`;
  });
  return buildZip(parts);
}

/** A PPTX of slides given as their spTree XML, with optional notes text. */
export function buildPptx(slides: { shapes: string; notes?: string }[]): Uint8Array {
  const parts: Record<string, string> = {
    "[Content_Types].xml": "<Types/>",
    "ppt/presentation.xml": `<p:presentation xmlns:p="p" xmlns:r="r"><p:sldIdLst>${slides
      .map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 1}"/>`)
      .join("")}</p:sldIdLst></p:presentation>`,
    "ppt/_rels/presentation.xml.rels": rels(
      slides.map((_, i) => rel(`rId${i + 1}`, `slides/slide${i + 1}.xml`)),
    ),
  };
  slides.forEach((slide, i) => {
    parts[`ppt/slides/slide${i + 1}.xml`] =
      `<p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree>${slide.shapes}</p:spTree></p:cSld></p:sld>`;
    if (slide.notes !== undefined) {
      parts[`ppt/slides/_rels/slide${i + 1}.xml.rels`] = rels([
        rel("rId9", `../notesSlides/notesSlide${i + 1}.xml`),
      ]);
      parts[`ppt/notesSlides/notesSlide${i + 1}.xml`] =
        `<p:notes xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree>${pptxShape(slide.notes, "body")}${pptxShape("3", "sldNum")}</p:spTree></p:cSld></p:notes>`;
    }
  });
  return buildZip(parts);
}

/** One text shape; `placeholder` is its p:ph type ("" for a body placeholder, undefined for a text box). */
export function pptxShape(text: string, placeholder?: string, paragraphProps = ""): string {
  const ph = placeholder === undefined ? "" : `<p:ph${placeholder ? ` type="${placeholder}"` : ""}/>`;
  const paragraphs = text
    .split("\n")
    .map((line) => `<a:p>${paragraphProps}<a:r><a:t>${escapeXml(line)}</a:t></a:r></a:p>`)
    .join("");
  return `<p:sp><p:nvSpPr><p:nvPr>${ph}</p:nvPr></p:nvSpPr><p:txBody>${paragraphs}</p:txBody></p:sp>`;
}

/** An OpenDocument file of the given type whose office:body holds `body`. */
export function buildOdf(
  kind: "text" | "spreadsheet" | "presentation",
  body: string,
  styles = "",
): Uint8Array {
  return buildZip({
    mimetype: `application/vnd.oasis.opendocument.${kind}`,
    "content.xml": `<office:document-content xmlns:office="o" xmlns:text="t" xmlns:table="tb" xmlns:draw="d" xmlns:presentation="p"><office:automatic-styles>${styles}</office:automatic-styles><office:body><office:${kind}>${body}</office:${kind}></office:body></office:document-content>`,
    "META-INF/manifest.xml": "<manifest/>",
  });
}

/** An EPUB whose chapters (XHTML bodies) are listed in the spine in the order given by `spine`. */
export function buildEpub(chapters: Record<string, string>, spine: string[]): Uint8Array {
  const parts: Record<string, string> = {
    mimetype: "application/epub+zip",
    "META-INF/container.xml":
      '<container><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
    "OEBPS/content.opf": `<package><metadata xmlns:dc="dc"><dc:title>A Book</dc:title></metadata><manifest>${Object.keys(
      chapters,
    )
      .map((id) => `<item id="${id}" href="text/${id}.xhtml" media-type="application/xhtml+xml"/>`)
      .join(
        "",
      )}</manifest><spine>${spine.map((id) => `<itemref idref="${id}"/>`).join("")}</spine></package>`,
  };
  for (const [id, body] of Object.entries(chapters)) {
    parts[`OEBPS/text/${id}.xhtml`] =
      `<html xmlns="http://www.w3.org/1999/xhtml"><body>${body}</body></html>`;
  }
  return buildZip(parts);
}

/** A multipart/mixed e-mail with a text body and the given attachments (base64-encoded). */
export function buildEml(
  headers: Record<string, string>,
  text: string,
  attachments: { filename: string; type: string; content: Uint8Array }[] = [],
): string {
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  const boundary = "BOUNDARY42";
  const parts = [
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`,
    ...attachments.map(
      (a) =>
        `--${boundary}\r\nContent-Type: ${a.type}; name="${a.filename}"\r\nContent-Disposition: attachment; filename="${a.filename}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(a.content).toString("base64").replace(/.{76}/g, "$&\r\n")}\r\n`,
    ),
  ];
  return `${head.join("\r\n")}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n${parts.join("")}--${boundary}--\r\n`;
}
