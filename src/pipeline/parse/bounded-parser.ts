import { type Handler, Parser, type ParserOptions } from "htmlparser2";
import { PipelineError } from "../errors.js";

/** The parts of htmlparser2's Parser (12.x) this class relies on; they are private in its types. */
interface ParserInternals {
  stack: string[];
  tagname: string;
  openTagStart: number;
  startIndex: number;
  endIndex: number;
}

/**
 * htmlparser2's Parser with a bound on how deep elements nest. The Parser keeps its open
 * elements in an array it `unshift`s and searches on every close tag, so each tag costs time
 * in proportion to the depth and a document of nothing but nested tags is quadratic (300,000
 * nested `<b>` took about 45 s). Past `maxDepth` open elements a start tag is either dropped as
 * if it were not there (`flatten`: its text still flows) or fails the document as
 * `too_complex` (`fail`, for formats whose text lives in elements). Either way every operation
 * on the stack is bounded by `maxDepth`, so parsing stays linear in the input.
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
}
