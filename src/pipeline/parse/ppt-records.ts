import { PipelineError } from "../errors.js";

/** One slide's text, in presentation order. */
export interface PptSlide {
  /** Title placeholder paragraphs. */
  title: string[];
  /** Body placeholder and text box paragraphs, in the order stored. */
  body: string[];
  /** Paragraphs of the slide's notes page. */
  notes: string[];
}

// Record types of the PowerPoint binary format ([MS-PPT] §2.13.24) that carry or locate text.
const RT = {
  Document: 0x03e8,
  Slide: 0x03ee,
  Notes: 0x03f0,
  NotesAtom: 0x03f1,
  SlidePersistAtom: 0x03f3,
  UserEditAtom: 0x0ff5,
  SlideListWithText: 0x0ff0,
  TextHeaderAtom: 0x0f9f,
  TextCharsAtom: 0x0fa0,
  TextBytesAtom: 0x0fa8,
  PersistDirectoryAtom: 0x1772,
  CryptSession10Container: 0x2f14,
} as const;

const CONTAINER_VERSION = 0xf;
// TextHeaderAtom's textType values that are titles (Tx_TYPE_TITLE, Tx_TYPE_CENTERTITLE).
const TITLE_TYPES = new Set([0, 6]);
const MAX_DEPTH = 32;

interface Header {
  type: number;
  instance: number;
  container: boolean;
  /** Where the record's body starts and ends (clamped to its parent). */
  start: number;
  end: number;
}

/**
 * The text of a PowerPoint 97-2003 presentation from its `PowerPoint Document` stream. Which
 * objects are live comes from the persist directories (later ones win, as incremental saves
 * append them), and the current document from the last UserEditAtom, so text that an
 * incremental save replaced is not read. Slides come in the order of the document's slide list,
 * with the placeholder text stored there, then the text boxes of the slide's own drawing; notes
 * come from notes pages, matched to their slide by id. Masters, layouts and handouts are not
 * read: their text is template ("Click to edit Master title style"), not the author's.
 */
export function readPptSlides(stream: Uint8Array): PptSlide[] {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const top = children(view, 0, stream.byteLength);
  if (top.some((r) => r.type === RT.CryptSession10Container))
    throw new PipelineError("encrypted_file", "PowerPoint presentation is encrypted");
  const live = new Map<number, number>(); // persist id → stream offset
  let documentRef: number | undefined;
  for (const record of top) {
    if (record.type === RT.PersistDirectoryAtom) readPersistDirectory(view, record, live);
    else if (record.type === RT.UserEditAtom && record.end - record.start >= 20)
      documentRef = view.getUint32(record.start + 16, true);
  }
  const at = new Map(top.map((r) => [r.start - 8, r]));
  const document =
    (documentRef !== undefined ? at.get(live.get(documentRef) ?? -1) : undefined) ??
    top.findLast((r) => r.type === RT.Document);
  if (!document) throw new PipelineError("corrupt_file", "PowerPoint stream has no document record");

  const liveOffsets = new Set(live.values());
  const isLive = (r: Header) => liveOffsets.size === 0 || liveOffsets.has(r.start - 8);
  const notesBySlideId = new Map<number, string[]>();
  for (const record of top) {
    if (record.type !== RT.Notes || !isLive(record)) continue;
    const atom = children(view, record.start, record.end).find((r) => r.type === RT.NotesAtom);
    const slideId = atom && atom.end - atom.start >= 4 ? view.getUint32(atom.start, true) : 0;
    // Slide id 0 is the notes master.
    if (slideId !== 0) notesBySlideId.set(slideId, textsIn(view, record));
  }

  const slides: (PptSlide & { persistRef: number; slideId: number })[] = [];
  const slideList = children(view, document.start, document.end).find(
    (r) => r.type === RT.SlideListWithText && r.instance === 0,
  );
  let current: (PptSlide & { persistRef: number; slideId: number }) | undefined;
  let textType = 1;
  for (const record of slideList ? children(view, slideList.start, slideList.end) : []) {
    if (record.type === RT.SlidePersistAtom && record.end - record.start >= 16) {
      current = {
        title: [],
        body: [],
        notes: [],
        persistRef: view.getUint32(record.start, true),
        slideId: view.getUint32(record.start + 12, true),
      };
      slides.push(current);
    } else if (record.type === RT.TextHeaderAtom && record.end - record.start >= 4) {
      textType = view.getUint32(record.start, true);
    } else if (current && isText(record)) {
      const into = TITLE_TYPES.has(textType) ? current.title : current.body;
      for (const paragraph of paragraphs(view, record)) into.push(paragraph);
    }
  }
  // A slide's drawing is read for one slide: a crafted list pointing every slide at one large
  // drawing would otherwise read it once per slide.
  const drawingsRead = new Set<Header>();
  for (const slide of slides) {
    const container = at.get(live.get(slide.persistRef) ?? -1);
    if (container?.type === RT.Slide && !drawingsRead.has(container)) {
      drawingsRead.add(container);
      // PowerPoint keeps placeholders' text in the slide list and only text boxes' here; other
      // writers (LibreOffice) keep all of it here. Text already read is not read twice.
      const seen = new Set([...slide.title, ...slide.body]);
      for (const { title, text } of typedTextsIn(view, container)) {
        if (seen.has(text)) continue;
        (title ? slide.title : slide.body).push(text);
      }
    }
    slide.notes = notesBySlideId.get(slide.slideId) ?? [];
  }
  return slides.map(({ title, body, notes }) => ({ title, body, notes }));
}

/** The records directly inside [start, end). A record that runs past `end` is cut there. */
function children(view: DataView, start: number, end: number): Header[] {
  const out: Header[] = [];
  for (let at = start; at + 8 <= end; ) {
    const verInstance = view.getUint16(at, true);
    const type = view.getUint16(at + 2, true);
    const length = view.getUint32(at + 4, true);
    const bodyEnd = Math.min(end, at + 8 + length);
    out.push({
      type,
      instance: verInstance >> 4,
      container: (verInstance & 0xf) === CONTAINER_VERSION,
      start: at + 8,
      end: bodyEnd,
    });
    at = bodyEnd;
  }
  return out;
}

/**
 * Every text atom's paragraphs under `record`, depth first, in stream order, each marked a title
 * when the TextHeaderAtom before it in its container says so.
 */
function typedTextsIn(view: DataView, record: Header, depth = 0): { title: boolean; text: string }[] {
  if (depth > MAX_DEPTH) throw new PipelineError("corrupt_file", "PowerPoint records are nested too deeply");
  // Loops, not push(...spread): a crafted stream can hold millions of paragraphs, more
  // arguments than a call takes.
  const out: { title: boolean; text: string }[] = [];
  let title = false;
  for (const child of children(view, record.start, record.end)) {
    if (child.container) for (const p of typedTextsIn(view, child, depth + 1)) out.push(p);
    else if (child.type === RT.TextHeaderAtom && child.end - child.start >= 4)
      title = TITLE_TYPES.has(view.getUint32(child.start, true));
    else if (isText(child)) for (const text of paragraphs(view, child)) out.push({ title, text });
  }
  return out;
}

const textsIn = (view: DataView, record: Header) => typedTextsIn(view, record).map((p) => p.text);

const isText = (r: Header) => r.type === RT.TextCharsAtom || r.type === RT.TextBytesAtom;

/**
 * A text atom's paragraphs. TextCharsAtom is UTF-16LE; TextBytesAtom holds the low bytes of
 * characters whose high byte is zero. `\r` ends a paragraph, `\v` breaks a line within one.
 */
function paragraphs(view: DataView, record: Header): string[] {
  let text = "";
  if (record.type === RT.TextCharsAtom) {
    for (let at = record.start; at + 2 <= record.end; at += 2)
      text += String.fromCharCode(view.getUint16(at, true));
  } else {
    for (let at = record.start; at < record.end; at++) text += String.fromCharCode(view.getUint8(at));
  }
  // A lone `*` is where a field (slide number, date) is shown, not text.
  return text
    .split("\r")
    .map((p) => p.replace(/\v/g, " ").trim())
    .filter((p) => p !== "" && p !== "*");
}

/** Adds a PersistDirectoryAtom's entries: each a 20-bit first id and 12-bit count, then offsets. */
function readPersistDirectory(view: DataView, record: Header, live: Map<number, number>): void {
  for (let at = record.start; at + 4 <= record.end; ) {
    const entry = view.getUint32(at, true);
    const first = entry & 0xfffff;
    const count = entry >>> 20;
    at += 4;
    for (let i = 0; i < count && at + 4 <= record.end; i++, at += 4)
      live.set(first + i, view.getUint32(at, true));
  }
}
