import { describe, expect, it } from "vitest";
import { readPptSlides } from "./ppt-records.js";

// A `PowerPoint Document` stream built record by record ([MS-PPT] §2.3.1 record headers).
const u32 = (...values: number[]) => {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view.setUint32(i * 4, v, true);
  return out;
};
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const record = (type: number, body: Uint8Array, container: boolean, instance = 0) => {
  const header = new Uint8Array(8);
  const view = new DataView(header.buffer);
  view.setUint16(0, (instance << 4) | (container ? 0xf : 0), true);
  view.setUint16(2, type, true);
  view.setUint32(4, body.length, true);
  return concat([header, body]);
};
const atom = (type: number, body: Uint8Array, instance = 0) => record(type, body, false, instance);
const container = (type: number, children: Uint8Array[], instance = 0) =>
  record(type, concat(children), true, instance);
const chars = (text: string) => {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) new DataView(out.buffer).setUint16(i * 2, text.charCodeAt(i), true);
  return atom(0x0fa0, out);
};
const bytes = (text: string) =>
  atom(
    0x0fa8,
    Uint8Array.from(text, (c) => c.charCodeAt(0)),
  );
const header = (textType: number) => atom(0x0f9f, u32(textType));
const slidePersist = (persistRef: number, slideId: number) => atom(0x03f3, u32(persistRef, 0, 0, slideId, 0));
// A drawing's text box: OfficeArt containers around a ClientTextbox.
const textBox = (textType: number, text: string) =>
  container(0x040c, [
    container(0xf002, [container(0xf004, [container(0xf00d, [header(textType), chars(text)])])]),
  ]);

/** Lays records out in order and returns the stream with each record's offset. */
function layout(records: Uint8Array[]): { stream: Uint8Array; offsets: number[] } {
  const offsets: number[] = [];
  let at = 0;
  for (const r of records) {
    offsets.push(at);
    at += r.length;
  }
  return { stream: concat(records), offsets };
}

function presentation() {
  const document = container(0x03e8, [
    atom(0x03e9, new Uint8Array(40)), // DocumentAtom
    container(
      0x0ff0,
      [
        slidePersist(3, 256),
        header(0),
        chars("Quarterly review"),
        header(1),
        bytes("Revenue grew\rCosts fell\vsharply"),
        slidePersist(4, 257),
        header(6),
        chars("Outlook"),
      ],
      0,
    ),
  ]);
  const master = container(0x03f8, [textBox(0, "Click to edit Master title style")]);
  const slide1 = container(0x03ee, [
    atom(0x03ef, new Uint8Array(24)),
    textBox(4, "A text box"),
    textBox(0, "Quarterly review"), // repeated by a writer that keeps placeholder text here too
    textBox(4, "*"), // a slide-number field
  ]);
  const staleSlide2 = container(0x03ee, [textBox(4, "Stale text")]);
  const slide2 = container(0x03ee, [textBox(4, "Fresh box")]);
  const notesMaster = container(0x03f0, [
    atom(0x03f1, u32(0, 0)),
    textBox(2, "Click to edit Master text styles"),
  ]);
  const notes1 = container(0x03f0, [atom(0x03f1, u32(256, 0)), textBox(2, "Say hello first")]);
  const before = [document, master, slide1, staleSlide2, slide2, notesMaster, notes1];
  const { offsets } = layout(before);
  const [docAt, , slide1At, , slide2At, notesMasterAt, notes1At] = offsets as number[];
  // Persist ids 1 (document), 3 and 4 (slides), 5 and 6 (notes); slide 2's stale version is not listed.
  const directory = atom(
    0x1772,
    concat([
      u32((1 << 20) | 1, docAt!),
      u32((2 << 20) | 3, slide1At!, slide2At!),
      u32((2 << 20) | 5, notesMasterAt!, notes1At!),
    ]),
  );
  const userEdit = atom(0x0ff5, u32(256, 0, 0, 0, 1, 0, 0));
  return layout([...before, directory, userEdit]).stream;
}

/**
 * A deck whose document lists `slideList` (SlidePersistAtoms and text) and one slide container;
 * persist id 1 is the document, ids 2 to 1 + `slideIds` all point at that slide.
 */
function oneDrawingDeck(slideList: Uint8Array[], slide: Uint8Array, slideIds = 1): Uint8Array {
  const document = container(0x03e8, [container(0x0ff0, slideList, 0)]);
  const [docAt, slideAt] = layout([document, slide]).offsets as [number, number];
  const offsets = [docAt, ...Array.from({ length: slideIds }, () => slideAt)];
  return layout([
    document,
    slide,
    atom(0x1772, u32((offsets.length << 20) | 1, ...offsets)),
    atom(0x0ff5, u32(256, 0, 0, 0, 1, 0, 0)),
  ]).stream;
}

const throwsCode = (code: string) => expect.objectContaining({ code });

describe("readPptSlides", () => {
  it("reads slides in list order with titles, text boxes and notes, and leaves masters and replaced objects out", () => {
    expect(readPptSlides(presentation())).toEqual([
      {
        title: ["Quarterly review"],
        body: ["Revenue grew", "Costs fell sharply", "A text box"],
        notes: ["Say hello first"],
      },
      { title: ["Outlook"], body: ["Fresh box"], notes: [] },
    ]);
  });

  it("reads text a writer kept only in the slide's drawing, titles by their text header", () => {
    const slide = container(0x03ee, [textBox(0, "Adding a slide"), textBox(4, "First point\rSecond point")]);
    expect(readPptSlides(oneDrawingDeck([slidePersist(2, 256)], slide))).toEqual([
      { title: ["Adding a slide"], body: ["First point", "Second point"], notes: [] },
    ]);
  });

  it("reads a slide of half a million paragraphs, in the slide list and in its drawing", () => {
    const slideList = [slidePersist(2, 256), header(1), bytes("a\r".repeat(500_000))];
    const slide = container(0x03ee, [textBox(4, "b\r".repeat(500_000))]);
    const [only] = readPptSlides(oneDrawingDeck(slideList, slide));
    expect(only!.body.length).toBe(1_000_000);
    expect(only!.body.at(-1)).toBe("b");
  });

  it("reads a drawing for one slide when a crafted list points several slides at it", () => {
    const slideList = [slidePersist(2, 256), slidePersist(3, 257), slidePersist(4, 258)];
    const deck = oneDrawingDeck(slideList, container(0x03ee, [textBox(4, "shared box")]), 3);
    expect(readPptSlides(deck).map((s) => s.body)).toEqual([["shared box"], [], []]);
  });

  it("says encrypted for an encrypted stream, and corrupt for one without a document", () => {
    const encrypted = layout([container(0x2f14, [atom(0x2f15, new Uint8Array(16))])]).stream;
    expect(() => readPptSlides(encrypted)).toThrow(throwsCode("encrypted_file"));
    expect(() => readPptSlides(new Uint8Array(64))).toThrow(throwsCode("corrupt_file"));
    expect(() => readPptSlides(new Uint8Array(3))).toThrow(throwsCode("corrupt_file"));
  });

  it("cuts a record whose length runs past the stream, and refuses nesting past its bound", () => {
    const whole = presentation();
    // Cut inside the document's slide list, after the first title: what is left is read.
    const cut = whole.subarray(0, 150);
    expect(readPptSlides(cut)).toEqual([{ title: ["Quarterly review"], body: [], notes: [] }]);
    let deep = textBox(4, "deep");
    for (let i = 0; i < 40; i++) deep = container(0xf003, [deep]);
    const deck = oneDrawingDeck([slidePersist(2, 256)], container(0x03ee, [deep]));
    expect(() => readPptSlides(deck)).toThrow(throwsCode("corrupt_file"));
  });
});
