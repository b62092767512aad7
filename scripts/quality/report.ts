import { round, table } from "../lib/stats.js";
import type { TokenScore } from "./token-f1.js";

/** One converter's outcome on one file: a score when it produced text, else its error. */
export type Outcome = ({ error?: undefined } & TokenScore) | { error: string };

export interface FileResult {
  name: string;
  format: string;
  bytes: number;
  reference: string;
  /** Why the file is not scored: no reference for its format, or the reference tool failed. */
  unscored?: string;
  referenceTokens?: number;
  intake?: Outcome & { seconds: number };
  markitdown?: Outcome;
}

export interface FormatSummary {
  format: string;
  reference: string;
  files: number;
  scored: number;
  intakeF1: number | null;
  markitdownF1: number | null;
  /** intake's mean over markitdown's; above 1 means intake is ahead. */
  ratio: number | null;
  intakeFailures: number;
  markitdownFailures: number;
}

const f1Of = (outcome: Outcome | undefined) => (outcome && outcome.error === undefined ? outcome.f1 : 0);
const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Means per group of files; a converter's failure on a scored file counts as F1 0. */
export function summarize(format: string, results: FileResult[]): FormatSummary {
  const scored = results.filter((r) => r.unscored === undefined);
  const intakeF1 = mean(scored.map((r) => f1Of(r.intake)));
  const withMarkitdown = scored.filter((r) => r.markitdown !== undefined);
  const markitdownF1 = withMarkitdown.length > 0 ? mean(withMarkitdown.map((r) => f1Of(r.markitdown))) : null;
  return {
    format,
    reference: [...new Set(results.map((r) => r.reference))].join(", "),
    files: results.length,
    scored: scored.length,
    intakeF1,
    markitdownF1,
    ratio: intakeF1 !== null && markitdownF1 ? intakeF1 / markitdownF1 : null,
    intakeFailures: results.filter((r) => r.intake?.error !== undefined).length,
    markitdownFailures: results.filter((r) => r.markitdown?.error !== undefined).length,
  };
}

export function summaryTable(rows: FormatSummary[]): string {
  const num = (n: number | null, digits = 3) => (n === null ? "-" : round(n, digits).toFixed(digits));
  return table([
    [
      "format",
      "files",
      "scored",
      "intake F1",
      "markitdown F1",
      "ratio",
      "intake fail",
      "md fail",
      "reference",
    ],
    ...rows.map((s) => [
      s.format,
      s.files,
      s.scored,
      num(s.intakeF1),
      num(s.markitdownF1),
      num(s.ratio, 2),
      s.intakeFailures,
      s.markitdownFailures,
      s.reference,
    ]),
  ]);
}

const CSV_COLUMNS = [
  "file",
  "format",
  "bytes",
  "reference",
  "unscored",
  "reference_tokens",
  "intake_f1",
  "intake_precision",
  "intake_recall",
  "intake_tokens",
  "intake_error",
  "intake_seconds",
  "markitdown_f1",
  "markitdown_precision",
  "markitdown_recall",
  "markitdown_tokens",
  "markitdown_error",
];

/** One row per file, for finding which files pull a format's mean down. */
export function resultsCsv(results: FileResult[]): string {
  const scores = (o: Outcome | undefined) =>
    o === undefined
      ? ["", "", "", "", ""]
      : o.error !== undefined
        ? ["0", "", "", "", o.error]
        : [round(o.f1, 4), round(o.precision, 4), round(o.recall, 4), o.candidateTokens, ""];
  const rows = results.map((r) => [
    r.name,
    r.format,
    r.bytes,
    r.reference,
    r.unscored ?? "",
    r.referenceTokens ?? "",
    ...scores(r.intake),
    r.intake ? round(r.intake.seconds, 3) : "",
    ...scores(r.markitdown),
  ]);
  return [CSV_COLUMNS, ...rows]
    .map((row) => row.map(csvCell).join(","))
    .join("\n")
    .concat("\n");
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
