/** A text item of one PDF line, as pdf.js reports it: `str` in logical order within the item. */
export interface LineItem {
  str: string;
  dir: string;
}

const rtlLetter = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/g;
const ltrLetter = /[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff0-9]/g;

type ItemClass = "R" | "L" | "N";

/**
 * Puts the items of one line into logical (reading) order. pdf.js reorders the characters inside
 * each item with the Unicode bidi algorithm, but leaves the items in the order they are drawn,
 * left to right, so a Hebrew or Arabic line split into several items comes out with its words
 * reversed. This applies the bidi algorithm's reordering rule (UAX #9, L2) at item level: the
 * line's base direction is that of the majority of its strong characters; in a right-to-left line
 * the items are reversed, then each run of left-to-right items (Latin words, numbers) is turned
 * back; in a left-to-right line only the runs of right-to-left items are reversed.
 */
export function logicalLine(items: LineItem[]): string {
  const classes = items.map(classify);
  if (!classes.includes("R")) return items.map((item) => item.str).join("");
  const rtlChars = count(items, rtlLetter);
  const ltrChars = count(items, ltrLetter);
  const order = items.map((_, i) => i);
  if (rtlChars >= ltrChars) {
    order.reverse();
    reverseRuns(order, (i) => classes[i] ?? "N", "L");
  } else {
    reverseRuns(order, (i) => classes[i] ?? "N", "R");
  }
  return order.map((i) => items[i]?.str ?? "").join("");
}

function classify(item: LineItem): ItemClass {
  if (item.dir === "rtl" || /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/.test(item.str)) return "R";
  return /[A-Za-z\u00c0-\u024f\u0370-\u04ff0-9]/.test(item.str) ? "L" : "N";
}

function count(items: LineItem[], pattern: RegExp): number {
  let total = 0;
  for (const item of items) total += item.str.match(pattern)?.length ?? 0;
  return total;
}

/** Reverses, in place, each maximal run that starts and ends with `strong` and holds no other strong class. */
function reverseRuns(order: number[], classOf: (i: number) => ItemClass, strong: "L" | "R"): void {
  let at = 0;
  while (at < order.length) {
    if (classOf(order[at] ?? 0) !== strong) {
      at += 1;
      continue;
    }
    let end = at;
    for (let next = at + 1; next < order.length; next++) {
      const cls = classOf(order[next] ?? 0);
      if (cls === strong) end = next;
      else if (cls !== "N") break;
    }
    const run = order.slice(at, end + 1).reverse();
    order.splice(at, run.length, ...run);
    at = end + 1;
  }
}
