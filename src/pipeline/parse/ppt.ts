import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";
import { MarkdownWriter } from "./markdown-writer.js";
import { openOleFile } from "./ole-file.js";
import { readPptSlides } from "./ppt-records.js";
import type { ParseLimits } from "./types.js";

/**
 * Converts a PowerPoint 97-2003 (.ppt) presentation to Markdown like a PPTX: slides in order,
 * separated by rules, each with its title as a `##` heading, then its other text, then
 * `### Notes`. The compound file is opened in memory by `openOleFile` (the file is at most
 * `legacyOfficeMaxBytes`); the records of its `PowerPoint Document` stream are read by
 * `readPptSlides`. The binary format's bullets and
 * tables are not told apart from paragraphs.
 */
export async function parsePpt(
  data: Uint8Array,
  output: DocumentOutput,
  limits: ParseLimits,
): Promise<Record<string, unknown>> {
  const stream = openOleFile(data, "PowerPoint presentation")("PowerPoint Document");
  if (!stream) throw new PipelineError("corrupt_file", "PowerPoint file has no PowerPoint Document stream");
  const slides = readPptSlides(stream);
  const md = new MarkdownWriter(output);
  for (const [index, slide] of slides.slice(0, limits.maxParts).entries()) {
    if (index > 0) md.rule();
    if (slide.title.length > 0) md.heading(2, slide.title.join(" "));
    // Flushed per paragraph, as a slide can hold as much text as the file.
    for (const paragraph of slide.body) {
      md.paragraph(paragraph);
      await output.flushIfFull();
    }
    if (slide.notes.length > 0) {
      md.heading(3, "Notes");
      for (const paragraph of slide.notes) {
        md.paragraph(paragraph);
        await output.flushIfFull();
      }
    }
  }
  md.end();
  const metadata: Record<string, unknown> = { slides: slides.length };
  if (slides.length > limits.maxParts) metadata.slidesSkipped = slides.length - limits.maxParts;
  return metadata;
}
