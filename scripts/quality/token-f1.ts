// How the quality benchmark compares two texts: a bag of words, not a diff. Order and layout are
// ignored on purpose, because the references (pdftotext, LibreOffice, pandoc) and the candidates
// (intake, markitdown) lay the same words out differently: columns, table grids, list markers.

/**
 * Removes the Markdown syntax that carries letters or digits, so that it does not count as words:
 * link and image targets, reference-link definitions, code-fence info strings, HTML tags and
 * entities. Syntax made only of punctuation (`#`, `|`, `---`, `*`, `>`, backticks) never forms a
 * token, so it needs no stripping.
 *
 * @example
 * stripMarkdown("See [the docs](https://x.io/a).") // "See the docs."
 */
export function stripMarkdown(text: string): string {
  return text
    .replace(/^ {0,3}\[[^\]\n]+\]:[ \t]+\S+.*$/gm, "")
    .replace(/^([ \t]*(?:`{3,}|~{3,}))[^\n`]*$/gm, "$1")
    .replace(/!?\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:[ \t]+"[^"\n]*")?\)/g, "$1")
    .replace(/<\/?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]*)?\/?>/g, " ")
    .replace(/&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);/g, " ");
}

// NFKC folds PDF ligatures (U+FB01 "ﬁ") and full-width forms into the letters a reader sees;
// combining marks (\p{M}) stay inside a word, so Hindi or decomposed accents are not split.
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

/** Lowercased Unicode word tokens of `text` after Markdown stripping. */
export function tokenize(text: string): string[] {
  return stripMarkdown(text).normalize("NFKC").toLowerCase().match(WORD) ?? [];
}

export interface TokenScore {
  precision: number;
  recall: number;
  f1: number;
  candidateTokens: number;
  referenceTokens: number;
}

/**
 * Multiset token F1 of `candidate` against `reference`: a word found twice in the reference is
 * matched at most twice. Two empty texts agree (1); one empty text against a non-empty one is 0.
 *
 * @example
 * tokenF1("# Hello world", "hello, world!").f1 // 1
 */
export function tokenF1(candidate: string, reference: string): TokenScore {
  const cand = tokenize(candidate);
  const ref = tokenize(reference);
  if (cand.length === 0 || ref.length === 0) {
    const same = cand.length === ref.length ? 1 : 0;
    return {
      precision: same,
      recall: same,
      f1: same,
      candidateTokens: cand.length,
      referenceTokens: ref.length,
    };
  }
  const counts = new Map<string, number>();
  for (const token of ref) counts.set(token, (counts.get(token) ?? 0) + 1);
  let overlap = 0;
  for (const token of cand) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      overlap += 1;
      counts.set(token, left - 1);
    }
  }
  const precision = overlap / cand.length;
  const recall = overlap / ref.length;
  const f1 = overlap === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, candidateTokens: cand.length, referenceTokens: ref.length };
}
