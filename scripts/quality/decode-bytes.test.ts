import { describe, expect, it } from "vitest";
import { decodeBytes } from "./decode-bytes.js";

const utf16 = (text: string, littleEndian: boolean) => {
  const bytes = new Uint8Array(text.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), littleEndian);
  return bytes;
};

describe("decodeBytes", () => {
  it("reads UTF-8 and falls back to Windows-1252", () => {
    expect(decodeBytes(new TextEncoder().encode("Grüße €"))).toBe("Grüße €");
    expect(decodeBytes(Uint8Array.from([0x47, 0x72, 0xfc, 0xdf, 0x65, 0x20, 0x80]))).toBe("Grüße €");
  });

  it("reads UTF-16 with and without a byte-order mark", () => {
    expect(decodeBytes(Uint8Array.from([0xff, 0xfe, ...utf16("Hi there", true)]))).toBe("Hi there");
    expect(decodeBytes(utf16("Hi there", true))).toBe("Hi there");
    expect(decodeBytes(utf16("Hi there", false))).toBe("Hi there");
  });

  it("reads a page that is not UTF-8 in the charset it declares, when asked to", () => {
    const page = Uint8Array.from([
      ...new TextEncoder().encode('<meta charset="windows-1251"><p>'),
      ...[0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2],
    ]);
    expect(decodeBytes(page, { markupCharset: true })).toBe('<meta charset="windows-1251"><p>Привет');
    expect(decodeBytes(page)).toBe('<meta charset="windows-1251"><p>Ïðèâåò');
    const latin = Uint8Array.from([...new TextEncoder().encode('<meta charset="iso-8859-1">'), 0x80]);
    expect(decodeBytes(latin, { markupCharset: true })).toBe('<meta charset="iso-8859-1">€');
  });

  it("reads UTF-32 little-endian with a byte-order mark", () => {
    expect(decodeBytes(Uint8Array.from([0xff, 0xfe, 0, 0, 0x48, 0, 0, 0, 0x69, 0, 0, 0]))).toBe("Hi");
  });
});
