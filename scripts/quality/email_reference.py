"""The reference text of an e-mail for intake's quality benchmark, from Python's standard library.

Prints the From, To, Cc, Date and Subject headers, then every text part that is not an
attachment of another type: text/plain where the message has it, else its text/html with the
tags removed; text attachments (plain, HTML, CSV) are included, binary ones are not.

Usage: python3 email_reference.py FILE.eml
"""

import codecs
import email
import email.policy
import html.parser
import sys


class _TextOfHtml(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1
        self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(markup):
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def part_text(part):
    try:
        content = part.get_content()
    except Exception:
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace")
    if not isinstance(content, str):
        return ""
    return html_text(content) if part.get_content_subtype() == "html" else content


def utf8_bytes(data):
    """A message saved as UTF-16 or UTF-32 (with or without a byte-order mark), as UTF-8."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, "replace").encode("utf-8")
    head = data[:200]
    if head.count(0) > len(head) // 4:
        codec = "utf-16-be" if head[0] == 0 else "utf-16-le"
        return data.decode(codec, "replace").encode("utf-8")
    return data


def main(path):
    with open(path, "rb") as f:
        message = email.message_from_bytes(utf8_bytes(f.read()), policy=email.policy.default)
    out = []
    for name in ("From", "To", "Cc", "Date", "Subject"):
        value = message.get(name)
        if value:
            out.append(f"{name}: {value}")
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        out.append(part_text(body))
    for part in message.walk():
        if part is body or part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.is_attachment():
            out.append(part_text(part))
    sys.stdout.write("\n\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
