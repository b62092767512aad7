import { Inflate } from "fflate";
import { PipelineError } from "../errors.js";
import { compressedData, type ZipEntry } from "./zip-directory.js";

// Deflate expands at most ~1030x, so one 8 KiB input piece yields at most ~8 MiB of output: the
// most memory a bomb can claim before the checks below stop it.
const INPUT_PIECE_BYTES = 8 * 1024;
// Tiny entries legitimately reach high ratios (an XML header of repeated spaces); judge the ratio
// only once an entry has produced this much.
const RATIO_MIN_OUTPUT = 1024 * 1024;

/** Counts inflated bytes across all entries of one archive. */
export class InflateBudget {
  used = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxRatio: number,
  ) {}
}

/**
 * Inflates one zip entry piece by piece, handing each output piece to `onData` and awaiting
 * `afterPiece` between input pieces (where the caller flushes its output). Stops with
 * `decompression_limit` as soon as the archive's budget or the entry's ratio is exceeded, so a
 * zip bomb is never inflated whole.
 */
export async function inflateEntry(
  zip: Uint8Array,
  entry: ZipEntry,
  budget: InflateBudget,
  onData: (data: Uint8Array) => void,
  afterPiece: () => Promise<void>,
): Promise<void> {
  if (entry.encrypted) throw new PipelineError("encrypted_file", `zip entry ${entry.name} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new PipelineError(
      "unsupported_type",
      `zip entry ${entry.name} uses compression method ${entry.method}`,
    );
  }
  if (budget.used + entry.uncompressedSize > budget.maxBytes) throw overBudget(budget);
  const data = compressedData(zip, entry);
  let consumed = 0;
  let produced = 0;
  const accept = (chunk: Uint8Array) => {
    produced += chunk.length;
    budget.used += chunk.length;
    if (budget.used > budget.maxBytes) throw overBudget(budget);
    if (produced > RATIO_MIN_OUTPUT && produced > budget.maxRatio * consumed) {
      throw new PipelineError(
        "decompression_limit",
        `zip entry ${entry.name} expands more than ${budget.maxRatio}x (likely a zip bomb)`,
      );
    }
    onData(chunk);
  };

  if (entry.method === 0) {
    for (let at = 0; at < data.length; at += INPUT_PIECE_BYTES) {
      consumed += Math.min(INPUT_PIECE_BYTES, data.length - at);
      accept(data.subarray(at, at + INPUT_PIECE_BYTES));
      await afterPiece();
    }
    return;
  }
  const inflate = new Inflate((chunk) => accept(chunk));
  for (let at = 0; at < data.length || at === 0; at += INPUT_PIECE_BYTES) {
    const piece = data.subarray(at, at + INPUT_PIECE_BYTES);
    consumed += piece.length;
    try {
      inflate.push(piece, at + INPUT_PIECE_BYTES >= data.length);
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      throw new PipelineError("corrupt_file", `zip entry ${entry.name} cannot be inflated`, { cause: error });
    }
    await afterPiece();
  }
}

function overBudget(budget: InflateBudget): PipelineError {
  return new PipelineError(
    "decompression_limit",
    `archive inflates to more than ${budget.maxBytes} bytes (likely a zip bomb)`,
  );
}
