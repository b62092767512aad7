import { describe, expect, it } from "vitest";
import { detectDocumentType } from "./detect.js";
import { PipelineError } from "./errors.js";
import { buildDocx } from "./testing/build-docx.js";
import { buildPdf } from "./testing/build-pdf.js";
import { utf8 } from "./testing/streams.js";

const detect = (head: Uint8Array, declaredContentType = "application/octet-stream", filename = "upload") =>
  detectDocumentType({ head, declaredContentType, filename });

function detectError(head: Uint8Array, declaredContentType: string, filename = "upload"): PipelineError {
  try {
    detect(head, declaredContentType, filename);
  } catch (error) {
    if (error instanceof PipelineError) return error;
    throw error;
  }
  throw new Error("expected a PipelineError");
}

describe("detectDocumentType", () => {
  it("trusts magic bytes over the declared type and the extension", () => {
    expect(detect(buildPdf(["x"]), "text/plain", "notes.txt")).toBe("pdf");
    expect(detect(buildDocx([{ text: "x" }]), "application/octet-stream", "a.bin")).toBe("docx");
    expect(detect(utf8("<!DOCTYPE html><p>hi</p>"), "text/plain", "page.txt")).toBe("html");
  });

  it("uses the declared type next, then the extension for generic types", () => {
    expect(detect(utf8("a,b\n1,2\n"), "text/csv", "data.txt")).toBe("csv");
    expect(detect(utf8('{"a":1}'), "application/vnd.api+json", "x")).toBe("json");
    expect(detect(utf8("# Title"), "application/octet-stream", "README.md")).toBe("markdown");
    expect(detect(utf8("# Title"), "text/plain; charset=utf-8", "README.markdown")).toBe("markdown");
    expect(detect(utf8("2024-01-01 INFO start"), "text/plain", "app.log")).toBe("log");
    expect(detect(utf8("just words"), "application/octet-stream", "noext")).toBe("text");
    expect(detect(utf8("print(1)"), "text/x-python", "a.py")).toBe("text");
  });

  it("sniffs weak HTML only when nothing more specific was declared", () => {
    expect(detect(utf8("<div>hello</div>"), "text/plain", "x")).toBe("html");
    expect(detect(utf8("<div>hello</div>\n# Title"), "text/markdown", "x.md")).toBe("markdown");
  });

  it("refuses binary content declared as text", () => {
    const binary = new Uint8Array(512).map((_, i) => (i * 37) % 256);
    expect(detectError(binary, "text/plain", "a.txt")).toMatchObject({
      code: "unsupported_type",
      permanent: true,
    });
    expect(detectError(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a), "text/plain").code).toBe(
      "unsupported_type",
    );
    expect(detectError(utf8("abc\u0000def"), "text/plain").code).toBe("unsupported_type");
  });

  it("refuses a zip that is not a Word document and unknown binary types", () => {
    const zipHead = Uint8Array.of(0x50, 0x4b, 0x03, 0x04, ...utf8("other/file.txt"));
    // The head cannot tell; the zip's directory decides once it is read.
    expect(detect(zipHead, "application/zip", "a.zip")).toBe("zip");
    // Declared as an image but not one: mislabeled, like a PDF without its signature.
    expect(detectError(utf8("hello"), "image/png", "a.png").code).toBe("corrupt_file");
    expect(detect(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), "", "scan")).toBe("image");
    expect(detect(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0), "application/octet-stream", "x.bin")).toBe("image");
  });

  it("reports a declared PDF without a PDF signature as corrupt", () => {
    expect(detectError(utf8("hello"), "application/pdf", "a.pdf").code).toBe("corrupt_file");
  });

  it("accepts text with ANSI colour codes and UTF-16 with a byte-order mark", () => {
    expect(detect(utf8("\u001b[31mERROR\u001b[0m failed\n"), "text/plain", "a.log")).toBe("log");
    expect(detect(Uint8Array.of(0xff, 0xfe, 0x68, 0x00, 0x69, 0x00), "text/plain", "a.txt")).toBe("text");
  });

  it("names zip-based formats by their directory and OLE2 formats by their streams", async () => {
    const { detectOleDocumentType, detectZipDocumentType } = await import("./detect.js");
    expect(detectZipDocumentType(new Set(["xl/workbook.xml"]), undefined)).toBe("xlsx");
    expect(detectZipDocumentType(new Set(["ppt/presentation.xml"]), undefined)).toBe("pptx");
    expect(
      detectZipDocumentType(new Set(["mimetype"]), "application/vnd.oasis.opendocument.spreadsheet"),
    ).toBe("ods");
    expect(detectZipDocumentType(new Set(["mimetype"]), "application/epub+zip")).toBe("epub");
    expect(() => detectZipDocumentType(new Set(["a.txt"]), undefined)).toThrow(/not a document/);
    expect(detectOleDocumentType(new Set(["WordDocument", "1Table"]))).toBe("doc");
    expect(detectOleDocumentType(new Set(["__substg1.0_0037001F"]))).toBe("msg");
    expect(detectOleDocumentType(new Set(["Workbook"]))).toBe("xls");
    expect(detectOleDocumentType(new Set(["Book"]))).toBe("xls");
    expect(detectOleDocumentType(new Set(["PowerPoint Document", "Current User"]))).toBe("ppt");
    expect(() => detectOleDocumentType(new Set(["EncryptedPackage"]))).toThrow(/password-protected/);
  });

  it("detects RTF, ODF by its stored mimetype, UTF-16 and UTF-32 without a mark and e-mail headers", () => {
    expect(detect(utf8("{\\rtf1\\ansi hi}"), "text/plain", "a.txt")).toBe("rtf");
    const odfHead = new Uint8Array(200);
    odfHead.set([0x50, 0x4b, 0x03, 0x04]);
    odfHead[26] = 8;
    odfHead.set(utf8("mimetypeapplication/vnd.oasis.opendocument.text"), 30);
    expect(detect(odfHead)).toBe("odt");
    const utf16be = new Uint8Array([...utf8("plain words here")].flatMap((b) => [0, b]));
    expect(detect(utf16be, "application/octet-stream", "a.txt")).toBe("text");
    const utf32le = new Uint8Array([...utf8("<!DOCTYPE html><p>hi")].flatMap((b) => [b, 0, 0, 0]));
    expect(detect(utf32le, "application/octet-stream", "a")).toBe("html");
    expect(detect(Uint8Array.of(0, 0, 0xfe, 0xff, 0, 0, 0, 0x68), "text/plain", "a.txt")).toBe("text");
    expect(detect(utf8("From: a@example.com\nSubject: hi\nDate: Tue, 1 Oct 2024\n\nbody"))).toBe("eml");
    expect(detect(utf8("From here on\nwe write prose.\n"))).toBe("text");
  });
});
