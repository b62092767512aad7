import type { MessagePort } from "node:worker_threads";
import type {
  OcrSettings,
  ParseInfo,
  ParseLimits,
  ParseProgress,
  ParseResult,
} from "../pipeline/parse/types.js";

// The conversation between the worker's control thread and a parse thread, over one
// MessagePort per document. Bytes are pulled (the thread asks for the next chunk), text is
// acknowledged (the thread waits until the control thread has handed it to storage), so both
// directions have backpressure and neither side ever holds more than a chunk in flight.
//
// A chunk's buffer may be handed back with the next pull (`spare`) once the parser has copied
// it out, and the control thread copies the next chunk into it. A parser that reads a whole
// file (PDF, DOCX) then makes no garbage per chunk: 45 MB of spent chunks, memory outside the
// thread's heap that did not prompt a collection, stayed until the parse was over.

/** Control thread → parse thread. `data`'s first `length` bytes are the chunk. */
export type ToParser = { t: "chunk"; data: ArrayBuffer; length: number } | { t: "end" } | { t: "ack" };

/** Parse thread → control thread. */
export type FromParser =
  | { t: "pull"; spare?: ArrayBuffer }
  | { t: "text"; text: string }
  | { t: "progress"; progress: ParseProgress }
  /** OCR's child processes start or stop working: their time is bounded per page by OCR itself. */
  | { t: "ocr"; active: boolean };

/** What the pool runs: one document. */
export interface ParseTask {
  port: MessagePort;
  info: ParseInfo;
  limits: Partial<ParseLimits>;
  ocr?: OcrSettings;
}

/**
 * The task's answer. Errors travel as data: a structured clone would turn a PipelineError into
 * a plain Error and lose its code.
 */
export type ParseTaskResult =
  | { ok: true; result: ParseResult }
  | { ok: false; code: string | undefined; message: string };
