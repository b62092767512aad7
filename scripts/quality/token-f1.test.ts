import { describe, expect, it } from "vitest";
import { stripMarkdown, tokenF1, tokenize } from "./token-f1.js";

describe("tokenize", () => {
  it("lowercases and keeps letters and digits of any script", () => {
    expect(tokenize("Größe 42, naïve Ωmega; 東京 2024")).toEqual([
      "größe",
      "42",
      "naïve",
      "ωmega",
      "東京",
      "2024",
    ]);
  });

  it("ignores Markdown syntax made of punctuation", () => {
    expect(tokenize("# Title\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n---\n- *x* **y** `z`\n> q")).toEqual([
      "title",
      "a",
      "b",
      "1",
      "2",
      "x",
      "y",
      "z",
      "q",
    ]);
  });

  it("folds ligatures and keeps combining marks inside a word", () => {
    expect(tokenize("e\uFB03cient")).toEqual(["efficient"]);
    expect(tokenize("cafe\u0301 हिन्दी")).toEqual(["café", "हिन्दी"]);
  });
});

describe("stripMarkdown", () => {
  it("keeps link and image text and drops their targets", () => {
    expect(stripMarkdown('See [the docs](https://x.io/a_(b) "T") and ![a logo](img/l.png).')).toBe(
      "See the docs and a logo.",
    );
  });

  it("drops reference definitions, fence info strings, HTML tags and entities", () => {
    const text = '[1]: https://x.io "x"\n```python\ncode\n```\na<br/>b <span class="k">c</span> d&amp;e';
    expect(tokenize(text)).toEqual(["code", "a", "b", "c", "d", "e"]);
  });
});

describe("tokenF1", () => {
  it("is 1 for the same words in another order and layout", () => {
    expect(tokenF1("| b | a |\n|---|---|", "a\tb").f1).toBe(1);
  });

  it("counts a repeated word only as often as the reference has it", () => {
    const score = tokenF1("a a a b", "a b c d");
    expect(score.precision).toBe(0.5);
    expect(score.recall).toBe(0.5);
    expect(score.f1).toBe(0.5);
  });

  it("scores empty against empty as 1 and empty against text as 0", () => {
    expect(tokenF1("", " \n").f1).toBe(1);
    expect(tokenF1("", "word").f1).toBe(0);
    expect(tokenF1("word", "").f1).toBe(0);
    expect(tokenF1("x", "y").f1).toBe(0);
  });
});
