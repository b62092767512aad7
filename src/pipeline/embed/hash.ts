import type { EmbeddingProvider } from "./provider.js";

export interface HashEmbedderProps {
  dimensions?: number;
}

const wordPattern = /[\p{L}\p{N}]+/gu;
// Bigrams carry word order; at half weight they refine rather than dominate the unigram signal.
const BIGRAM_WEIGHT = 0.5;

/**
 * Deterministic feature hashing of lowercased word unigrams and bigrams (FNV-1a, with the hash's
 * top bit choosing the sign so that collisions cancel out on average), L2-normalized. Needs no
 * network and no model: the same text always gives the same vector, and texts sharing words score
 * a higher cosine similarity. Text without words embeds as the zero vector.
 *
 * @example
 * const [vector] = await createHashEmbedder({ dimensions: 256 }).embed(['hello world']);
 */
export function createHashEmbedder(props: HashEmbedderProps = {}): EmbeddingProvider {
  const dimensions = props.dimensions ?? 256;
  if (!Number.isInteger(dimensions) || dimensions <= 0) {
    throw new RangeError(`hash embedder dimensions must be a positive integer, got ${dimensions}`);
  }
  return Object.freeze({
    name: "hash",
    model: "fnv1a-unigram-bigram-v1",
    dimensions,
    async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
      signal?.throwIfAborted();
      return texts.map((text) => hashEmbedding(text, dimensions));
    },
  });
}

export function hashEmbedding(text: string, dimensions: number): number[] {
  const vector = new Float64Array(dimensions);
  const add = (feature: string, weight: number) => {
    const hash = fnv1a(feature);
    vector[hash % dimensions] = (vector[hash % dimensions] ?? 0) + (hash & 0x80000000 ? -weight : weight);
  };
  let previous: string | undefined;
  for (const match of text.toLowerCase().matchAll(wordPattern)) {
    const word = match[0];
    add(`u:${word}`, 1);
    if (previous !== undefined) add(`b:${previous} ${word}`, BIGRAM_WEIGHT);
    previous = word;
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  return Array.from(vector, (value) => (norm === 0 ? 0 : value / norm));
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
