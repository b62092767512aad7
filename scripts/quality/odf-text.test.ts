import { describe, expect, it } from "vitest";
import { odfBodyText } from "./odf-text.js";

describe("odfBodyText", () => {
  it("keeps body paragraphs and notes, not styles, comments or embedded binaries", () => {
    const xml = `<office:document>
      <office:master-styles><text:p>Master footer</text:p></office:master-styles>
      <office:body><office:presentation>
        <draw:page><draw:frame><draw:text-box><text:p>Title<text:s text:c="2"/>here</text:p></draw:text-box></draw:frame>
          <draw:frame><draw:image><office:binary-data>iVBORw0KGgo</office:binary-data></draw:image></draw:frame>
          <office:annotation><text:p>a comment</text:p></office:annotation>
          <presentation:notes><draw:frame><draw:text-box><text:p>Speaker note</text:p></draw:text-box></draw:frame></presentation:notes>
        </draw:page>
      </office:presentation></office:body></office:document>`;
    expect(odfBodyText(xml).trim()).toBe("Title  here\nSpeaker note");
  });
});
