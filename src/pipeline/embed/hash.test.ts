import { describe, expect, it } from "vitest";
import { createHashEmbedder } from "./hash.js";

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);

describe("createHashEmbedder", () => {
  const embedder = createHashEmbedder({ dimensions: 256 });

  it("gives identical, unit-length vectors for the same text", async () => {
    const [a, b] = await embedder.embed(["The cat sat on the mat.", "The cat sat on the mat."]);
    expect(a).toHaveLength(256);
    expect(a).toEqual(b);
    expect(cosine(a ?? [], a ?? [])).toBeCloseTo(1, 10);
    const [again] = await createHashEmbedder({ dimensions: 256 }).embed(["the CAT sat on the mat"]);
    expect(again).toEqual(a);
  });

  it("scores similar texts above unrelated ones", async () => {
    const [base, similar, unrelated] = await embedder.embed([
      "the cat sat on the mat in the sun",
      "a cat sat on a mat in the warm sun",
      "quarterly revenue grew by twelve percent",
    ]);
    const near = cosine(base ?? [], similar ?? []);
    const far = cosine(base ?? [], unrelated ?? []);
    expect(near).toBeGreaterThan(0.5);
    expect(near).toBeGreaterThan(far + 0.3);
  });

  it("separates word order through bigrams and embeds wordless text as zeros", async () => {
    const [ab, ba, empty] = await embedder.embed(["dog bites man", "man bites dog", "  ...  "]);
    expect(ab).not.toEqual(ba);
    expect(cosine(ab ?? [], ba ?? [])).toBeGreaterThan(0.5);
    expect(empty?.every((value) => value === 0)).toBe(true);
  });

  it("describes itself and validates dimensions", () => {
    expect(embedder).toMatchObject({ name: "hash", dimensions: 256 });
    expect(() => createHashEmbedder({ dimensions: 0 })).toThrow(/positive integer/);
  });
});
