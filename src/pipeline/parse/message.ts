import { isPipelineError } from "../errors.js";
import type { BufferContext } from "./buffer-context.js";
import type { DocumentOutput } from "./document-output.js";
import { parseHtml } from "./html.js";
import { MarkdownWriter } from "./markdown-writer.js";

/** An e-mail as EML and MSG readers both see it. */
export interface Message {
  subject?: string;
  from?: string;
  to?: string;
  cc?: string;
  date?: string;
  text?: string;
  html?: string;
  attachments: MessageAttachment[];
}

export interface MessageAttachment {
  filename: string;
  mimeType: string;
  content: Uint8Array;
  /** Inline images of an HTML body are part of its layout, not attachments to read. */
  inline: boolean;
}

export interface AttachmentOutcome {
  filename: string;
  status: "parsed" | "skipped" | "failed";
  code?: string;
}

/**
 * Writes an e-mail as Markdown: the subject (if any) as a heading, From, To, Cc and Date lines, the
 * body (the text part, or the HTML part converted when there is no text), then each attachment
 * under `## Attachment: name`, parsed by the parser of its own type within the same limits.
 * An attachment that cannot be read does not fail the message: it is named with its error
 * code, unless it is of a type intake does not read (pictures, audio); at most `emailMaxAttachments` are read, and e-mails inside e-mails only
 * `emailMaxDepth` deep.
 */
export async function writeMessage(
  message: Message,
  output: DocumentOutput,
  context: BufferContext,
): Promise<Record<string, unknown>> {
  const md = new MarkdownWriter(output);
  const { limits } = context;
  // A message without a subject gets no heading: a placeholder would be text it does not have.
  const subject = message.subject?.trim();
  if (subject) md.heading(context.depth === 0 ? 1 : 2, subject);
  const fields: [string, string | undefined][] = [
    ["From", message.from],
    ["To", message.to],
    ["Cc", message.cc],
    ["Date", message.date],
  ];
  const headerLines = fields
    .filter(([, value]) => value?.trim())
    .map(([name, value]) => `${name}: ${value?.trim()}`);
  if (headerLines.length > 0) md.paragraph(headerLines.join("\n"));
  md.end();

  if (message.text?.trim()) {
    for (const block of message.text.replace(/\r\n?/g, "\n").split(/\n[ \t]*\n+/)) md.verbatim(block);
  } else if (message.html?.trim()) {
    await parseHtml(once(message.html), output, limits.maxNestingDepth);
  }
  await output.flushIfFull();

  const outcomes: AttachmentOutcome[] = [];
  for (const attachment of message.attachments) {
    if (attachment.inline) continue;
    const filename = attachment.filename || "(unnamed)";
    if (outcomes.length >= limits.emailMaxAttachments || context.depth >= limits.emailMaxDepth) {
      outcomes.push({ filename, status: "skipped" });
      continue;
    }
    md.heading(context.depth === 0 ? 2 : 3, `Attachment: ${filename}`);
    md.end();
    try {
      await context.parseNested(attachment.content, { contentType: attachment.mimeType, filename }, output, {
        ...context,
        depth: context.depth + 1,
        recordPages: false,
      });
      outcomes.push({ filename, status: "parsed" });
    } catch (error) {
      const code = isPipelineError(error) ? error.code : (error as { code?: string }).code;
      if (!isPipelineError(error) && code !== "too_large") throw error;
      // A picture or a recording is not a document: its name under the heading says enough,
      // and the outcome is in the metadata. Anything else says why it was not read.
      if (code !== "unsupported_type") md.paragraph(`(attachment not read: ${code})`);
      outcomes.push({ filename, status: "failed", code });
    }
    await output.flushIfFull();
  }
  md.end();
  return outcomes.length > 0 ? { attachments: outcomes } : {};
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}
