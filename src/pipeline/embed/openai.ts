import { EmbeddingProviderError, isRetryableStatus } from "./errors.js";
import type { EmbeddingProvider } from "./provider.js";

export interface OpenAIEmbedderProps {
  /** e.g. `https://api.openai.com` or `http://localhost:11434/v1`; a trailing `/v1` is accepted. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Sent as `dimensions` when set (models that can shorten vectors); otherwise learned from answers. */
  dimensions?: number;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * An embedding provider for any OpenAI-compatible `POST /v1/embeddings` endpoint. Failures throw
 * `EmbeddingProviderError`; a cancellation through the caller's `signal` rethrows its reason.
 * Retrying is the caller's business (the worker wraps calls in p-retry and a circuit breaker).
 *
 * @example
 * const provider = createOpenAIEmbedder({ baseUrl: 'http://localhost:8000', model: 'bge-small' });
 */
export function createOpenAIEmbedder(props: OpenAIEmbedderProps): EmbeddingProvider {
  const url = `${props.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "")}/v1/embeddings`;
  const timeoutMs = props.timeoutMs ?? 30_000;
  const fetchImpl = props.fetch ?? globalThis.fetch;
  let learnedDimensions = props.dimensions ?? 0;

  async function embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (props.apiKey) headers.authorization = `Bearer ${props.apiKey}`;
    const body = {
      model: props.model,
      input: texts,
      encoding_format: "float",
      ...(props.dimensions ? { dimensions: props.dimensions } : {}),
    };

    let response: Response;
    let payload: string;
    try {
      response = await fetchImpl(url, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: combined,
      });
      payload = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new EmbeddingProviderError(`embedding request timed out after ${timeoutMs} ms`, {
          retryable: true,
          cause: error,
        });
      }
      const reason =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      throw new EmbeddingProviderError(`embedding request failed: ${reason}`, {
        retryable: true,
        cause: error,
      });
    }
    if (!response.ok) {
      throw new EmbeddingProviderError(
        `embedding provider answered ${response.status}: ${providerMessage(payload)}`,
        {
          status: response.status,
          retryable: isRetryableStatus(response.status),
          retryAfterMs: retryAfterMs(response.headers.get("retry-after")),
        },
      );
    }
    const vectors = parseEmbeddings(payload, texts.length, response.status);
    const width = vectors[0]?.length ?? 0;
    if (
      vectors.some((vector) => vector.length !== width) ||
      (props.dimensions && width !== props.dimensions)
    ) {
      throw malformed(
        `vectors have ${width} dimensions, expected ${props.dimensions ?? "equal lengths"}`,
        response.status,
      );
    }
    learnedDimensions = width;
    return vectors;
  }

  return {
    name: "openai",
    model: props.model,
    get dimensions() {
      return learnedDimensions;
    },
    embed,
  };
}

function parseEmbeddings(payload: string, count: number, status: number): number[][] {
  let data: unknown;
  try {
    data = (JSON.parse(payload) as { data?: unknown }).data;
  } catch (error) {
    throw malformed("response is not JSON", status, error);
  }
  if (!Array.isArray(data) || data.length !== count) throw malformed(`expected ${count} embeddings`, status);
  const vectors: number[][] = new Array(count);
  data.forEach((item: { index?: unknown; embedding?: unknown }, position) => {
    const index = typeof item?.index === "number" ? item.index : position;
    const embedding = item?.embedding;
    if (
      !Array.isArray(embedding) ||
      !embedding.every((value) => typeof value === "number") ||
      index < 0 ||
      index >= count
    ) {
      throw malformed(`embedding ${position} is not a number array with a valid index`, status);
    }
    vectors[index] = embedding;
  });
  for (let i = 0; i < count; i++) {
    if (vectors[i] === undefined) throw malformed(`no embedding for input ${i} (duplicate index?)`, status);
  }
  return vectors;
}

function malformed(detail: string, status: number, cause?: unknown): EmbeddingProviderError {
  return new EmbeddingProviderError(`embedding provider sent a malformed response: ${detail}`, {
    status,
    retryable: false,
    cause,
  });
}

// OpenAI and most compatible servers answer `{ "error": { "message": ... } }`; others send text.
function providerMessage(payload: string): string {
  try {
    const parsed = JSON.parse(payload) as {
      error?: { message?: unknown } | string;
      message?: unknown;
      detail?: unknown;
    };
    const message =
      typeof parsed.error === "string"
        ? parsed.error
        : (parsed.error?.message ?? parsed.message ?? parsed.detail);
    if (typeof message === "string" && message) return message.slice(0, 500);
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return payload.trim().slice(0, 500) || "(empty body)";
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
