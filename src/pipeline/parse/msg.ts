import msgreader from "@kenjiuno/msgreader";
import type * as MsgReaderModule from "@kenjiuno/msgreader/lib/MsgReader.js";
import type { FieldsData } from "@kenjiuno/msgreader/lib/MsgReader.js";

type MsgReaderClass = MsgReaderModule.default;

import { PipelineError } from "../errors.js";
import type { BufferContext } from "./buffer-context.js";
import type { DocumentOutput } from "./document-output.js";
import { type Message, type MessageAttachment, writeMessage } from "./message.js";

// The package is CommonJS compiled from ES modules: imported from ESM, its default export is the
// module object, whose own `default` is the class.
const MsgReader = ((msgreader as unknown as { default?: unknown }).default ??
  msgreader) as unknown as typeof MsgReaderModule.default.default;

/**
 * Reads an Outlook item (.msg) with @kenjiuno/msgreader, which parses the OLE2 compound file in
 * memory (the file is at most `emailMaxBytes`), and writes it as Markdown like an EML (see
 * writeMessage). An encrypted (S/MIME or PGP/MIME) item fails as `encrypted_file`, as an encrypted
 * EML does.
 */
export async function parseMsg(
  data: Uint8Array,
  output: DocumentOutput,
  context: BufferContext,
): Promise<Record<string, unknown>> {
  let reader: MsgReaderClass;
  let fields: FieldsData;
  try {
    reader = new MsgReader(new DataView(data.buffer, data.byteOffset, data.byteLength));
    fields = reader.getFileData();
  } catch (error) {
    throw new PipelineError(
      "corrupt_file",
      `Outlook message could not be read: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (fields.error)
    throw new PipelineError("corrupt_file", `Outlook message could not be read: ${fields.error}`);
  const attachments: MessageAttachment[] = [];
  for (const attachment of fields.attachments ?? []) {
    const name = attachment.fileName ?? attachment.fileNameShort ?? attachment.name ?? "";
    if (/^smime\.p7m$/i.test(name))
      throw new PipelineError("encrypted_file", "Outlook message is encrypted (S/MIME)");
    // PGP/MIME kept by Outlook: the multipart/encrypted parts become an application/pgp-encrypted
    // attachment beside the ciphertext, which would otherwise be indexed as text.
    if (
      /^application\/pgp-encrypted$/i.test(attachment.attachMimeTag ?? "") ||
      /\.pgp-encrypted$/i.test(name)
    )
      throw new PipelineError("encrypted_file", "Outlook message is encrypted (PGP)");
    if (attachment.innerMsgContent) continue; // an embedded message has no file content to parse
    try {
      const { content } = reader.getAttachment(attachment);
      attachments.push({
        filename: name,
        mimeType: attachment.attachMimeTag ?? "application/octet-stream",
        content,
        inline: false,
      });
    } catch {
      attachments.push({
        filename: name,
        mimeType: "application/octet-stream",
        content: new Uint8Array(0),
        inline: false,
      });
    }
  }
  const recipients = (type: "to" | "cc") =>
    (fields.recipients ?? [])
      .filter((recipient: FieldsData) => (recipient.recipType ?? "to") === type)
      .map((r: FieldsData) =>
        r.name && (r.smtpAddress ?? r.email)
          ? `${r.name} <${r.smtpAddress ?? r.email}>`
          : (r.name ?? r.email ?? ""),
      )
      .filter(Boolean)
      .join(", ");
  const sender =
    fields.senderName && fields.senderEmail
      ? `${fields.senderName} <${fields.senderEmail}>`
      : (fields.senderName ?? fields.senderEmail);
  const message: Message = {
    subject: fields.subject,
    from: sender,
    to: recipients("to"),
    cc: recipients("cc"),
    date: headerDate(fields.headers) ?? fields.messageDeliveryTime ?? fields.clientSubmitTime,
    text: fields.body,
    html: fields.bodyHtml,
    attachments,
  };
  return writeMessage(message, output, context);
}

// The Date of the transport headers a received message keeps, as written (its zone included);
// the MAPI times are re-rendered in GMT.
function headerDate(headers: string | undefined): string | undefined {
  return /^Date:[ \t]*(\S.*)$/im.exec(headers?.slice(0, 64 * 1024) ?? "")?.[1]?.trim();
}
