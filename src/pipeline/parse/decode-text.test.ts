import { describe, expect, it } from "vitest";
import { bytesIn, utf8 } from "../testing/streams.js";
import { decodeTextHead, decodeTextStream } from "./decode-text.js";
import { declaredMarkupEncoding, looksLikeUtf8, wideTextEncoding } from "./sniff-encoding.js";

async function decode(bytes: Uint8Array, pieceSize = 3): Promise<string> {
  let text = "";
  for await (const piece of decodeTextStream(bytesIn(bytes, pieceSize))) text += piece;
  return text;
}

const latin = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const utf32 = (text: string, littleEndian: boolean) => {
  const points = Array.from(text, (c) => c.codePointAt(0) ?? 0);
  const bytes = new Uint8Array(points.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, point] of points.entries()) view.setUint32(i * 4, point, littleEndian);
  return bytes;
};
const utf16 = (text: string, littleEndian: boolean) =>
  Uint8Array.from(
    Array.from(text, (c) => c.charCodeAt(0)).flatMap((unit) =>
      littleEndian ? [unit & 0xff, unit >> 8] : [unit >> 8, unit & 0xff],
    ),
  );

describe("decodeTextStream", () => {
  it("reads UTF-32 in both byte orders, with and without a byte-order mark", async () => {
    const text = "Grüße aus Köln 😀, ok";
    for (const pieceSize of [1, 5, 1000]) {
      expect(await decode(utf32(`\uFEFF${text}`, true), pieceSize)).toBe(text);
      expect(await decode(utf32(`\uFEFF${text}`, false), pieceSize)).toBe(text);
      expect(await decode(utf32(text, true), pieceSize)).toBe(text);
      expect(await decode(utf32(text, false), pieceSize)).toBe(text);
    }
  });

  it("reads UTF-16 without a byte-order mark by its NULs, and keeps a U+FEFF after the mark", async () => {
    expect(await decode(utf16("plain words, café", false))).toBe("plain words, café");
    expect(await decode(utf16("plain words, café", true))).toBe("plain words, café");
    expect(await decode(utf16("\uFEFF\uFEFFx", true))).toBe("\uFEFFx");
  });

  it("falls back to Windows-1252 for text that is not UTF-8, at any point of the stream", async () => {
    const cp1252 = latin("k\xf6nnen \x80 \x93quoted\x94 \x85\r\n");
    expect(await decode(cp1252, 1)).toBe("können € “quoted” …\n");
    // 100 KiB of ASCII first: the decision waits for the first non-ASCII byte.
    const late = new Uint8Array([...utf8("a".repeat(100 * 1024)), ...cp1252]);
    expect(await decode(late, 4096)).toBe(`${"a".repeat(100 * 1024)}können € “quoted” …\n`);
  });

  it("keeps UTF-8 with a damaged byte as UTF-8", async () => {
    const bytes = new Uint8Array([...utf8("café crème "), 0xe9, ...utf8(" déjà")]);
    expect(await decode(bytes)).toBe("café crème \uFFFD déjà");
  });

  it("uses the charset a markup document declares when its bytes are not UTF-8", async () => {
    const cyrillic = [0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2];
    const html = new Uint8Array([
      ...utf8('<html><head><meta charset="windows-1251"></head><p>'),
      ...cyrillic,
    ]);
    expect(await decode(html)).toMatch(/<p>Привет$/);
    const xml = new Uint8Array([...utf8('<?xml version="1.0" encoding="koi8-r"?><a>'), 0xf0, 0xd2]);
    expect(await decode(xml)).toMatch(/<a>Пр$/);
    // A page that says Latin-1 but is UTF-8 is read as what it is.
    expect(
      await decode(utf8('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">é')),
    ).toMatch(/">é$/);
  });

  it("decodes a head for sniffing as the stream would", () => {
    expect(decodeTextHead(utf32("<!DOCTYPE html>", true))).toBe("<!DOCTYPE html>");
    expect(decodeTextHead(latin("caf\xe9"))).toBe("café");
  });
});

describe("encoding sniffing", () => {
  it("tells UTF-16 from UTF-32 by where the NULs sit", () => {
    expect(wideTextEncoding(utf32("abcdefgh", true))).toBe("utf-32le");
    expect(wideTextEncoding(utf32("abcdefgh", false))).toBe("utf-32be");
    expect(wideTextEncoding(utf16("abcdefgh", true))).toBe("utf-16le");
    expect(wideTextEncoding(utf16("abcdefgh", false))).toBe("utf-16be");
    expect(wideTextEncoding(utf8("abcdefgh"))).toBeUndefined();
    expect(wideTextEncoding(Uint8Array.of(0xff, 0xfe, 0, 0))).toBe("utf-32le");
  });

  it("reads a markup declaration only at the start of markup", () => {
    expect(declaredMarkupEncoding(utf8("<meta charset='Shift_JIS'>"))).toBe("shift_jis");
    expect(declaredMarkupEncoding(utf8('<meta charset="utf-16">'))).toBe("utf-8");
    expect(declaredMarkupEncoding(utf8('<meta charset="no-such-thing">'))).toBeUndefined();
    expect(declaredMarkupEncoding(utf8('Write <meta charset="koi8-r"> in the head'))).toBeUndefined();
  });

  it("counts well-formed UTF-8 sequences against ill-formed ones", () => {
    expect(looksLikeUtf8(utf8("é"), true)).toBe(true);
    expect(looksLikeUtf8(latin("\xe9t\xe9"), true)).toBe(false);
    expect(looksLikeUtf8(Uint8Array.of(0xed, 0xa0, 0x80), true)).toBe(false); // a surrogate
    expect(looksLikeUtf8(Uint8Array.of(0xe2, 0x82), false)).toBe(true); // cut by the window
    expect(looksLikeUtf8(Uint8Array.of(0xe2, 0x82), true)).toBe(false);
  });
});
