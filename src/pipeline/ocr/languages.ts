/** The default OCR language: Debian's `tesseract-ocr-eng`. */
export const DEFAULT_OCR_LANGUAGES = "eng";

// Tesseract's language names are traineddata file names: "eng", "chi_sim", "deu_latf",
// "script/Latin". Anything else (spaces, "..", options) must never reach its command line.
const LANGUAGE = /^[A-Za-z0-9_]+(\/[A-Za-z0-9_]+)?$/;

/**
 * Splits a Tesseract language list in `eng+deu` form, as `INTAKE_OCR_LANGUAGES` holds it.
 * Throws an Error naming the bad part, for the config's one-line start-up error.
 *
 * @example
 * parseOcrLanguages("eng+deu") // ["eng", "deu"]
 */
export function parseOcrLanguages(value: string): string[] {
  const parts = value.trim().split("+");
  const bad = parts.find((part) => !LANGUAGE.test(part));
  if (bad !== undefined) {
    throw new Error(`must be Tesseract language names joined by "+", like eng+deu (got "${value}")`);
  }
  return [...new Set(parts)];
}

/** The requested languages that `tesseract --list-langs` did not list. */
export function missingLanguages(requested: readonly string[], installed: readonly string[]): string[] {
  const have = new Set(installed);
  return requested.filter((lang) => !have.has(lang));
}

/** The `--list-langs` output's language names (its first line is a heading). */
export function parseListLangs(output: string): string[] {
  return output
    .split("\n")
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => LANGUAGE.test(line));
}
