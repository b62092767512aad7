import { OcrError } from "./errors.js";
import { runTool, ToolExitError } from "./run-tool.js";

export interface PdfPagesInfo {
  pageCount: number;
  /** Size in points of each page asked about, by page number. */
  sizes: Map<number, { widthPt: number; heightPt: number }>;
}

/** Parses `pdfinfo -f F -l L`: "Pages: 2" and one "Page    1 size:  612 x 792 pts (letter)" per page. */
export function parsePdfInfo(output: string): PdfPagesInfo {
  const pageCount = Number(/^Pages:\s+(\d+)/m.exec(output)?.[1] ?? Number.NaN);
  if (!Number.isInteger(pageCount))
    throw new OcrError("corrupt_file", "the PDF's page count could not be read");
  const sizes = new Map<number, { widthPt: number; heightPt: number }>();
  for (const match of output.matchAll(/^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts/gm)) {
    sizes.set(Number(match[1]), { widthPt: Number(match[2]), heightPt: Number(match[3]) });
  }
  return { pageCount, sizes };
}

/** Page count and the sizes of pages `first`..`last`, from poppler's pdfinfo. */
export async function readPdfInfo(
  file: string,
  first: number,
  last: number,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<PdfPagesInfo> {
  try {
    const { stdout } = await runTool("pdfinfo", ["-f", String(first), "-l", String(last), file], {
      ...options,
      // 40 bytes per page line, two lines per page.
      maxStdoutBytes: 64 * 1024 + (last - first + 1) * 100,
    });
    return parsePdfInfo(stdout.toString("latin1"));
  } catch (err) {
    // pdfinfo clamps the last page to the document's, then refuses a first page past it.
    if (err instanceof ToolExitError && /Wrong page range/.test(err.stderr)) {
      throw new RangeError(`the PDF has fewer than ${first} pages`);
    }
    throw popplerFailure(err, "read");
  }
}

/** Poppler's exit statuses: 1 a file it cannot open, 3 a permission problem (its `errPermission`). */
export function popplerFailure(err: unknown, doing: string, page?: number): unknown {
  if (!(err instanceof ToolExitError) || err.exitSignal !== null) return err;
  if (/Incorrect password/i.test(err.stderr)) {
    return new OcrError("encrypted_file", "PDF is encrypted and needs a password", { page, cause: err });
  }
  const where = page === undefined ? "the PDF" : `page ${page} of the PDF`;
  return new OcrError("corrupt_file", `${where} could not be ${doing}: ${err.message}`, { page, cause: err });
}
