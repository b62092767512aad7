/** Decodes a byte stream piece by piece; `final` flushes a sequence cut at the end as U+FFFD. */
export interface ChunkDecoder {
  decode(bytes: Uint8Array, final: boolean): string;
}

/**
 * A decoder for a WHATWG encoding name (`TextDecoder(label).encoding`) or `utf-32le`/`utf-32be`.
 * A byte-order mark is never stripped here: the caller skips the mark's bytes itself, so that a
 * U+FEFF right after it stays text.
 */
export function createChunkDecoder(encoding: string): ChunkDecoder {
  if (encoding === "utf-32le" || encoding === "utf-32be") return new Utf32Decoder(encoding === "utf-32le");
  if (encoding === "windows-1252") return new Windows1252Decoder();
  const decoder = new TextDecoder(encoding, { ignoreBOM: true });
  return { decode: (bytes, final) => decoder.decode(bytes, { stream: !final }) };
}

// Node's TextDecoder("windows-1252") (20.x, also for the labels latin1 and iso-8859-1) decodes
// 0x80-0x9F as the C1 controls of ISO-8859-1, not as the euro sign, curly quotes and dashes
// Windows-1252 puts there (WHATWG Encoding's index-windows-1252). The five bytes it leaves
// undefined map to the control of the same number, as WHATWG does.
const CP1252_80_9F =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

class Windows1252Decoder implements ChunkDecoder {
  readonly #latin1 = new TextDecoder("latin1");

  decode(bytes: Uint8Array): string {
    const text = this.#latin1.decode(bytes);
    return /[\x80-\x9f]/.test(text)
      ? text.replace(/[\x80-\x9f]/g, (c) => CP1252_80_9F[c.charCodeAt(0) - 0x80] ?? c)
      : text;
  }
}

// String.fromCodePoint takes its code points as arguments; this many stay far below any
// engine's argument limit.
const CODE_POINTS_PER_CALL = 8192;

/** UTF-32, which TextDecoder does not support; code points past U+10FFFF and surrogates are U+FFFD. */
class Utf32Decoder implements ChunkDecoder {
  #carry = new Uint8Array(0);

  constructor(private readonly littleEndian: boolean) {}

  decode(bytes: Uint8Array, final: boolean): string {
    let data = bytes;
    if (this.#carry.length > 0) {
      data = new Uint8Array(this.#carry.length + bytes.length);
      data.set(this.#carry, 0);
      data.set(bytes, this.#carry.length);
    }
    const whole = data.length - (data.length % 4);
    this.#carry = final ? new Uint8Array(0) : data.slice(whole);
    const view = new DataView(data.buffer, data.byteOffset, whole);
    let text = "";
    const points: number[] = [];
    for (let i = 0; i < whole; i += 4) {
      const point = view.getUint32(i, this.littleEndian);
      points.push(point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff) ? 0xfffd : point);
      if (points.length === CODE_POINTS_PER_CALL) {
        text += String.fromCodePoint(...points);
        points.length = 0;
      }
    }
    text += String.fromCodePoint(...points);
    return final && whole < data.length ? `${text}\uFFFD` : text;
  }
}
