/** A page of text as Tesseract read it. */
export interface RecognizedText {
  text: string;
  /** Words recognized. */
  words: number;
  /** Mean word confidence, 0-100; undefined when no word was found. */
  confidence: number | undefined;
}

// Columns of Tesseract's TSV output (level 5 rows are words).
const LEVEL = 0;
const BLOCK = 2;
const PARAGRAPH = 3;
const LINE = 4;
const CONFIDENCE = 10;
const TEXT = 11;
const WORD_LEVEL = "5";

/**
 * Rebuilds the page's text from Tesseract's TSV, as its plain-text renderer lays it out (words
 * joined by spaces, lines by a newline, paragraphs by a blank line), and averages the word
 * confidences that the plain-text renderer would have dropped.
 */
export function textFromTsv(tsv: string): RecognizedText {
  let text = "";
  let words = 0;
  let confidenceSum = 0;
  let lastParagraph: string | undefined;
  let lastLine: string | undefined;
  for (const row of tsv.split("\n")) {
    const cells = row.split("\t");
    if (cells[LEVEL] !== WORD_LEVEL) continue;
    const word = cells[TEXT]?.trim() ?? "";
    if (word === "") continue;
    const paragraph = `${cells[BLOCK]}.${cells[PARAGRAPH]}`;
    const line = `${paragraph}.${cells[LINE]}`;
    if (lastParagraph !== undefined && paragraph !== lastParagraph) text += "\n\n";
    else if (lastLine !== undefined && line !== lastLine) text += "\n";
    else if (lastLine !== undefined) text += " ";
    text += word;
    lastParagraph = paragraph;
    lastLine = line;
    words++;
    confidenceSum += Math.max(0, Number(cells[CONFIDENCE]) || 0);
  }
  const confidence = words === 0 ? undefined : Math.round((confidenceSum / words) * 10) / 10;
  return { text, words, confidence };
}
