import WordExtractor from "word-extractor";
import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";
import { MarkdownWriter } from "./markdown-writer.js";
import type { ParseLimits } from "./types.js";

/**
 * Reads the body text of a Word 97-2003 (.doc) file with word-extractor, which parses the OLE2
 * compound file in memory (the file is at most `legacyOfficeMaxBytes`). The binary format's
 * styles are not read, so paragraphs come out without heading levels; table cells are separated
 * by tabs, as Word stores them.
 */
export async function parseDoc(
  data: Uint8Array,
  output: DocumentOutput,
  _limits: ParseLimits,
): Promise<Record<string, unknown>> {
  let body: string;
  try {
    const document = await new WordExtractor().extract(
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    );
    body = document.getBody();
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if (/encrypt|password/i.test(message))
      throw new PipelineError("encrypted_file", "Word document is encrypted");
    throw new PipelineError("corrupt_file", `Word 97-2003 document could not be read: ${message}`, {
      cause: error,
    });
  }
  const md = new MarkdownWriter(output);
  let paragraphs = 0;
  for (const line of body.replace(/\r\n?/g, "\n").split("\n")) {
    if (line.trim() === "") continue;
    md.paragraph(line.trim());
    paragraphs += 1;
    await output.flushIfFull();
  }
  md.end();
  return { paragraphs };
}
