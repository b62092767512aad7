import { describe, expect, it } from "vitest";
import { createEmbeddingProvider, embedInBatches } from "./index.js";
import type { EmbeddingProvider } from "./provider.js";

describe("createEmbeddingProvider", () => {
  it("builds the configured provider", () => {
    expect(createEmbeddingProvider({ provider: "hash", dimensions: 64 })).toMatchObject({
      name: "hash",
      dimensions: 64,
    });
    expect(
      createEmbeddingProvider({
        provider: "openai",
        baseUrl: "http://127.0.0.1:9",
        model: "m",
        dimensions: 8,
      }),
    ).toMatchObject({
      name: "openai",
      model: "m",
      dimensions: 8,
    });
  });
});

describe("embedInBatches", () => {
  it("sends batches of at most batchSize and keeps input order", async () => {
    const batches: string[][] = [];
    const provider: EmbeddingProvider = {
      name: "fake",
      model: "fake",
      dimensions: 1,
      async embed(texts) {
        batches.push(texts);
        return texts.map((text) => [Number(text)]);
      },
    };
    const texts = Array.from({ length: 7 }, (_, i) => String(i));
    expect(await embedInBatches(provider, texts, 3)).toEqual(texts.map((t) => [Number(t)]));
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
    await expect(embedInBatches(provider, texts, 0)).rejects.toThrow(/batch size/);
  });
});
