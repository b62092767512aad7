import type { PdfPageTextLayer } from "../page-selection.js";

/**
 * Each page's text layer and size as pdf.js (the parse path's PDF reader) sees them: the input
 * `pagesNeedingOcr` gets in intake.
 */
export async function pdfTextLayers(
  pdf: Uint8Array,
  maxPages = Number.POSITIVE_INFINITY,
): Promise<PdfPageTextLayer[]> {
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const task = getDocument({
    data: pdf.slice(),
    verbosity: 0,
    isEvalSupported: false,
    disableFontFace: true,
  });
  try {
    const doc = await task.promise;
    const layers: PdfPageTextLayer[] = [];
    for (let page = 1; page <= Math.min(doc.numPages, maxPages); page++) {
      const proxy = await doc.getPage(page);
      const content = await proxy.getTextContent();
      const text = content.items.map((item) => ("str" in item ? item.str : "")).join(" ");
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = proxy.view;
      layers.push({ page, text, widthPt: x1 - x0, heightPt: y1 - y0 });
      proxy.cleanup();
    }
    return layers;
  } finally {
    await task.destroy();
  }
}
