const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

type XmlValue = string | number | boolean | XmlNode | XmlNode[];
interface XmlNode {
  [tag: string]: XmlValue | XmlValue[];
}

function render(node: XmlNode): string {
  return Object.entries(node)
    .map(([tag, value]) => {
      const items = Array.isArray(value) ? value : [value];
      return items
        .map((v) => `<${tag}>${typeof v === "object" ? render(v as XmlNode) : escapeXml(String(v))}</${tag}>`)
        .join("");
    })
    .join("");
}

/** An S3-style XML document with one root element. */
export function xml(root: string, body: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${render(body)}</${root}>`;
}

export function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

/** The (PartNumber, ETag) pairs of a CompleteMultipartUpload body. */
export function parseCompleteParts(body: string): { partNumber: number; etag: string }[] {
  const parts: { partNumber: number; etag: string }[] = [];
  for (const m of body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const inner = m[1] ?? "";
    const partNumber = Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(inner)?.[1]);
    const etag = (/<ETag>([\s\S]*?)<\/ETag>/.exec(inner)?.[1] ?? "").replace(/&quot;/g, '"');
    parts.push({ partNumber, etag });
  }
  return parts;
}
