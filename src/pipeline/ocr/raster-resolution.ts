const POINTS_PER_INCH = 72;

export interface RasterResolutionOptions {
  /** The resolution wanted; 200 dpi reads 9-pt text well and is Tesseract's sweet spot with 300. */
  dpi: number;
  /** The most pixels one page may have; larger pages are rasterized at a lower resolution. */
  maxPixels: number;
}

/**
 * The resolution at which to rasterize a page of `widthPt` x `heightPt` points: `dpi`, or less so
 * that the bitmap stays under `maxPixels` (a PDF may declare a 200-inch page: at 200 dpi that is
 * 1.6 gigapixels), and never under 1.
 */
export function rasterDpi(widthPt: number, heightPt: number, options: RasterResolutionOptions): number {
  const squareInches = (Math.abs(widthPt) * Math.abs(heightPt)) / POINTS_PER_INCH ** 2;
  if (!(squareInches > 0)) return options.dpi;
  const fitting = Math.floor(Math.sqrt(options.maxPixels / squareInches));
  return Math.max(1, Math.min(options.dpi, fitting));
}
