import type { Writable } from "node:stream";
import { applyJobEvent, initialStages, STAGES, type StageView } from "./job-stages.js";
import type { JobEvent } from "./types.js";

interface Row extends StageView {
  name: string;
  sent: number;
  total: number;
  note: string;
}

const WIDTH = 24;
const MARK = { pending: "·", queued: "…", running: "▸", done: "✓", failed: "✗" } as const;
const mib = (n: number) =>
  n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;

/**
 * One progress line per file: a bar for bytes sent, then one mark per stage. On a TTY the lines
 * are redrawn in place; otherwise each change worth reading is printed once as a plain line.
 */
export class ProgressBoard {
  readonly #rows: Row[] = [];
  readonly #out: Writable & { isTTY?: boolean };
  #drawn = 0;
  #lastPlain = new Map<number, string>();

  constructor(out: Writable & { isTTY?: boolean }) {
    this.#out = out;
  }

  add(name: string, total: number, status: Row["status"] = "uploading"): number {
    this.#rows.push({ name, sent: 0, total, note: "", status, stages: initialStages() });
    this.#draw(this.#rows.length - 1);
    return this.#rows.length - 1;
  }

  bytes(i: number, sent: number): void {
    this.#rows[i]!.sent = sent;
    this.#draw(i);
  }

  event(i: number, e: JobEvent): void {
    const row = this.#rows[i]!;
    Object.assign(row, applyJobEvent(row, e));
    this.#draw(i);
  }

  note(i: number, note: string, status?: Row["status"]): void {
    const row = this.#rows[i]!;
    row.note = note;
    if (status) row.status = status;
    this.#draw(i);
  }

  #line(row: Row, tty: boolean): string {
    const pct = row.total === 0 ? 100 : Math.floor((row.sent / row.total) * 100);
    if (row.status === "uploading") {
      const bar = tty ? `[${"█".repeat(Math.round((pct / 100) * WIDTH)).padEnd(WIDTH, "░")}] ` : "";
      return `${row.name}  ${bar}${pct}% of ${mib(row.total)}${row.note ? `  ${row.note}` : ""}`;
    }
    const stages = STAGES.map((s) => `${s} ${MARK[row.stages[s]]}`).join("  ");
    return `${row.name}  uploaded ✓  ${stages}  ${row.status}${row.note ? `  ${row.note}` : ""}`;
  }

  #draw(changed: number): void {
    if (this.#out.isTTY) {
      const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : "";
      const lines = this.#rows.map((r) => `\x1b[2K${this.#line(r, true)}`);
      this.#out.write(`${up}\r${lines.join("\n")}\n`);
      this.#drawn = this.#rows.length;
      return;
    }
    const row = this.#rows[changed]!;
    // Plain output: bytes in quarters, every stage change once.
    const quarter = row.total === 0 ? 4 : Math.floor((row.sent / row.total) * 4);
    const key = row.status === "uploading" ? `bytes ${quarter} ${row.note}` : this.#line(row, false);
    if (this.#lastPlain.get(changed) === key) return;
    this.#lastPlain.set(changed, key);
    this.#out.write(`${this.#line(row, false)}\n`);
  }
}
