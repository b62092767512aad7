import { describe, expect, it } from "vitest";
import { objectKeyFor, parseObjectKey, sanitizeFilename } from "./object-key.js";

describe("sanitizeFilename", () => {
  it.each([
    ["report.pdf", "report.pdf"],
    ["../../etc/passwd", "passwd"],
    ["..\\..\\win.ini", "win.ini"],
    ["a/b/../c.txt", "c.txt"],
    ["..", "file"],
    ["", "file"],
    ["nul\u0000byte.txt", "nul_byte.txt"],
    ["new\nline\r.md", "new_line_.md"],
    ["spaces and ünïcode.docx", "spaces_and_n_code.docx"],
    [".hidden", "hidden"],
    ["a..b.txt", "a.b.txt"],
  ])("%j → %j", (input, expected) => {
    const out = sanitizeFilename(input);
    expect(out).not.toMatch(/[/\\]|\.\./);
    expect([...out].some((ch) => ch.charCodeAt(0) < 32)).toBe(false);
    expect(out).toBe(expected);
  });

  it("bounds over-long names and keeps the extension", () => {
    const out = sanitizeFilename(`${"x".repeat(10_000)}.pdf`);
    expect(out.length).toBe(120);
    expect(out.endsWith(".pdf")).toBe(true);
  });
});

describe("object keys", () => {
  it("round-trips tenant and job id", () => {
    const id = "0b4c6f9e-2a55-4b6e-9a59-3f1f7c0d9a11";
    expect(parseObjectKey(objectKeyFor("acme", id, "../x y.txt"))).toEqual({ tenantId: "acme", jobId: id });
    expect(objectKeyFor("acme", id, "../x y.txt")).toBe(`uploads/acme/${id}/x_y.txt`);
  });

  it("ignores keys intake did not issue", () => {
    expect(parseObjectKey("other/acme/x")).toBeNull();
    expect(parseObjectKey("uploads/acme/not-a-uuid/x")).toBeNull();
  });
});
