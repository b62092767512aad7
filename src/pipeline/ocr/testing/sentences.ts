/** Known sentences the OCR tests render and expect back; plain words, a number, punctuation. */
export const SENTENCES = [
  "The quick brown fox jumps over the lazy dog near the river bank.",
  "Invoice number 4471 was paid in full on the third of March.",
  "Scanned contracts must become searchable text before indexing.",
  "Every page of a photographed receipt is a page of the document.",
] as const;

/** OCR may misread a word in ten at most (14-pt Helvetica at 200 dpi reads back exactly in practice). */
export const MIN_WORD_OVERLAP = 0.9;
