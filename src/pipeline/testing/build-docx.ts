import { Zip, ZipDeflate, zipSync } from "fflate";

const contentTypes =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';

export interface DocxParagraph {
  text: string;
  style?: string;
}

/** A minimal Word document: [Content_Types].xml, word/document.xml and docProps/core.xml. */
export function buildDocx(paragraphs: DocxParagraph[], title?: string): Uint8Array {
  const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const body = paragraphs
    .map(({ text, style }) => {
      const pPr = style
        ? `<w:pPr><w:pStyle w:val="${style}"/><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>`
        : "";
      const runs = text
        .split("\t")
        .map((part) => `<w:r><w:t xml:space="preserve">${escapeXml(part)}</w:t></w:r>`);
      return `<w:p>${pPr}${runs.join("<w:r><w:tab/></w:r>")}</w:p>`;
    })
    .join("");
  const documentXml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`;
  const files: Record<string, Uint8Array> = {
    "[Content_Types].xml": new TextEncoder().encode(contentTypes),
    "word/document.xml": new TextEncoder().encode(documentXml),
  };
  if (title) {
    files["docProps/core.xml"] = new TextEncoder().encode(
      `<cp:coreProperties xmlns:cp="x" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${escapeXml(title)}</dc:title></cp:coreProperties>`,
    );
  }
  return zipSync(files);
}

/** A DOCX made of exactly these parts (XML text), for documents no well-behaved writer makes. */
export function buildDocxParts(parts: Record<string, string>): Uint8Array {
  const files: Record<string, Uint8Array> = { "[Content_Types].xml": new TextEncoder().encode(contentTypes) };
  for (const [name, xml] of Object.entries(parts)) files[name] = new TextEncoder().encode(xml);
  return zipSync(files);
}

/** Makes the central directory claim `size` bytes for entry `name`, as a crafted archive would. */
export function lieAboutSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const copy = zip.slice();
  setDeclaredSize(copy, name, size);
  return copy;
}

/**
 * A DOCX whose word/document.xml inflates to `inflatedBytes` of repeated filler, deflated in
 * streaming fashion so that building it holds only the compressed archive in memory. With
 * `declaredSize`, the central directory claims that size instead of the real one, as a crafted
 * bomb would.
 */
export function buildDocxBomb(inflatedBytes: number, options: { declaredSize?: number } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((error, data) => {
    if (error) throw error;
    parts.push(data);
  });
  const types = new ZipDeflate("[Content_Types].xml");
  zip.add(types);
  types.push(new TextEncoder().encode(contentTypes), true);
  const document = new ZipDeflate("word/document.xml", { level: 9 });
  zip.add(document);
  const filler = new Uint8Array(1024 * 1024).fill(0x20);
  for (let left = inflatedBytes; left > 0; left -= filler.length) {
    document.push(left > filler.length ? filler : filler.subarray(0, left), left <= filler.length);
  }
  zip.end();
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  if (options.declaredSize !== undefined) setDeclaredSize(out, "word/document.xml", options.declaredSize);
  return out;
}

function setDeclaredSize(zip: Uint8Array, name: string, size: number): void {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const encodedName = new TextEncoder().encode(name);
  for (let at = 0; at + 46 < zip.length; at++) {
    if (view.getUint32(at, true) !== 0x02014b50) continue;
    const found = zip.subarray(at + 46, at + 46 + encodedName.length);
    if (found.every((byte, i) => byte === encodedName[i])) {
      view.setUint32(at + 24, size, true);
      return;
    }
  }
  throw new Error(`central directory entry ${name} not found`);
}
