import { type Handler, Parser, type ParserOptions } from "htmlparser2";
import { PipelineError } from "../errors.js";

/** The parts of htmlparser2's Parser (12.x) this class relies on; they are private in its types. */
interface ParserInternals {
  stack: string[];
  tagname: string;
  openTagStart: number;
  startIndex: number;
  endIndex: number;
  htmlMode: boolean;
  readTagName(start: number, endIndex: number): string;
}

// HTML's "has an element in scope" stops at these (WHATWG HTML §13.2.4.2), so an end tag whose
// element was opened outside a table, cell or caption does not close it from inside one.
const scopeBoundaries = new Set([
  "applet",
  "caption",
  "html",
  "table",
  "td",
  "th",
  "marquee",
  "object",
  "template",
]);
// End tags that table parsing handles itself: they close the cell, row or table around them.
const tableParts = new Set(["table", "caption", "tbody", "thead", "tfoot", "tr", "td", "th"]);

/**
 * htmlparser2's Parser with a bound on how deep elements nest. The Parser keeps its open
 * elements in an array it `unshift`s and searches on every close tag, so each tag costs time
 * in proportion to the depth and a document of nothing but nested tags is quadratic (300,000
 * nested `<b>` took about 45 s). Past `maxDepth` open elements a start tag is either dropped as
 * if it were not there (`flatten`: its text still flows) or fails the document as
 * `too_complex` (`fail`, for formats whose text lives in elements). Either way every operation
 * on the stack is bounded by `maxDepth`, so parsing stays linear in the input.
 *
 * In HTML, an end tag for an element opened outside the table it appears in is ignored, as
 * browsers do: htmlparser2 would close the table with it (`<center><table><tr><td>a</center>`),
 * and every row after it would lose its table.
 */
export class BoundedParser extends Parser {
  /** Start tags dropped because they would have nested deeper than the bound. */
  flattenedTags = 0;

  constructor(
    cbs: Partial<Handler>,
    options: ParserOptions,
    private readonly maxDepth: number,
    private readonly tooDeep: "flatten" | "fail" = "flatten",
  ) {
    super(cbs, options);
  }

  override onopentagname(start: number, endIndex: number): void {
    const self = this as unknown as ParserInternals;
    if (self.stack.length < this.maxDepth) {
      super.onopentagname(start, endIndex);
      return;
    }
    if (this.tooDeep === "fail") {
      throw new PipelineError("too_complex", `elements are nested more than ${this.maxDepth} deep`);
    }
    // What Parser does for a start tag it ignores (a second <form>): an empty tag name makes the
    // attributes and the end of the open tag no-ops, and no close tag can match it.
    this.flattenedTags += 1;
    self.endIndex = endIndex;
    self.openTagStart = self.startIndex;
    self.tagname = "";
  }

  override onclosetag(start: number, endIndex: number): void {
    const self = this as unknown as ParserInternals;
    if (self.htmlMode) {
      const name = self.readTagName(start, endIndex);
      const at = tableParts.has(name) ? -1 : self.stack.indexOf(name);
      for (let i = 0; i < at; i++) {
        if (scopeBoundaries.has(self.stack[i] ?? "")) {
          // What Parser does after any end tag: the next node starts after this one.
          self.endIndex = endIndex;
          self.startIndex = endIndex + 1;
          return;
        }
      }
    }
    super.onclosetag(start, endIndex);
  }
}
