import { describe, expect, it } from "vitest";
import { bytesIn } from "../testing/streams.js";
import { ByteSource, type ChunkSource, readAllWithLimit } from "./byte-source.js";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) % 251);

describe("readAllWithLimit", () => {
  it("returns the stream's bytes whatever the expected size says", async () => {
    const data = bytes(10_000);
    for (const expected of [0, 10_000, 4_000, 25_000]) {
      const out = await readAllWithLimit(bytesIn(data, 999), 1_000_000, "PDF", expected);
      expect(out, `expected ${expected}`).toEqual(data);
      // A buffer of its own, exactly as long as the data (pdf.js takes the whole ArrayBuffer).
      expect(out.buffer.byteLength).toBe(data.length);
    }
  });

  it("never hands back the caller's chunk", async () => {
    const data = bytes(100);
    async function* one() {
      yield data;
    }
    const out = await readAllWithLimit(one(), 1000, "PDF", 100);
    expect(out).toEqual(data);
    expect(out.buffer).not.toBe(data.buffer);
  });

  it("fails with too_large past the limit, also when the expected size is below it", async () => {
    for (const expected of [0, 500, 5000]) {
      await expect(readAllWithLimit(bytesIn(bytes(2000), 300), 1000, "PDF", expected)).rejects.toMatchObject({
        code: "too_large",
      });
    }
  });
});

describe("recycling chunks", () => {
  it("gives every chunk back once copied, and the peeked head outlives its chunk", async () => {
    const data = bytes(50_000);
    const yielded: Uint8Array[] = [];
    const recycled: Uint8Array[] = [];
    const source: ChunkSource = {
      async *[Symbol.asyncIterator]() {
        for (let at = 0; at < data.length; at += 7_000) {
          const chunk = data.slice(at, at + 7_000);
          yielded.push(chunk);
          yield chunk;
        }
      },
      recycle(chunk) {
        recycled.push(chunk);
        // As the sandbox does: the buffer leaves (is detached) to be reused elsewhere.
        structuredClone(chunk.buffer, { transfer: [chunk.buffer] });
      },
    };
    const stream = new ByteSource(source);
    const head = await stream.peek(100);
    const out = await readAllWithLimit(stream, 1_000_000, "PDF", data.length);
    expect(out).toEqual(data);
    expect(head).toEqual(data.subarray(0, 100));
    expect(recycled.length).toBe(yielded.length);
    expect(recycled.every((chunk, i) => chunk === yielded[i])).toBe(true);
    expect(yielded.every((chunk) => chunk.byteLength === 0)).toBe(true);
  });
});
