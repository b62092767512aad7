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

  it("reads UTF-32 little-endian with a byte-order mark", () => {
    expect(decodeBytes(Uint8Array.from([0xff, 0xfe, 0, 0, 0x48, 0, 0, 0, 0x69, 0, 0, 0]))).toBe("Hi");
  });
});
