import { createHashEmbedder } from "./hash.js";
import { createOpenAIEmbedder, type OpenAIEmbedderProps } from "./openai.js";
import type { EmbeddingProvider } from "./provider.js";

export { EmbeddingProviderError, isRetryableStatus } from "./errors.js";
export { createHashEmbedder, type HashEmbedderProps, hashEmbedding } from "./hash.js";
export { createOpenAIEmbedder, type OpenAIEmbedderProps } from "./openai.js";
export type { EmbeddingProvider } from "./provider.js";

export type EmbeddingProviderConfig =
  | { provider: "hash"; dimensions?: number }
  | ({ provider: "openai" } & OpenAIEmbedderProps);

/**
 * Builds the configured provider; `hash` is the default of intake and needs no network.
 *
 * @example
 * const provider = createEmbeddingProvider({ provider: 'hash', dimensions: 256 });
 */
export function createEmbeddingProvider(config: EmbeddingProviderConfig): EmbeddingProvider {
  switch (config.provider) {
    case "hash":
      return createHashEmbedder({ dimensions: config.dimensions });
    case "openai": {
      const { provider: _provider, ...props } = config;
      return createOpenAIEmbedder(props);
    }
  }
}

/**
 * Embeds `texts` in consecutive batches of at most `batchSize`, returning vectors in input order.
 * The first failing batch rejects the whole call.
 */
export async function embedInBatches(
  provider: EmbeddingProvider,
  texts: string[],
  batchSize: number,
  signal?: AbortSignal,
): Promise<number[][]> {
  if (!Number.isInteger(batchSize) || batchSize <= 0)
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const vectors: number[][] = [];
  for (let at = 0; at < texts.length; at += batchSize) {
    const batch = texts.slice(at, at + batchSize);
    const result = await provider.embed(batch, signal);
    if (result.length !== batch.length) {
      throw new Error(
        `provider ${provider.name} returned ${result.length} vectors for ${batch.length} texts`,
      );
    }
    vectors.push(...result);
  }
  return vectors;
}
