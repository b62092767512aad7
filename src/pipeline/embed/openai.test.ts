import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddingProviderError } from "./errors.js";
import { createOpenAIEmbedder } from "./openai.js";

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;
const servers: ReturnType<typeof createServer>[] = [];

async function startServer(
  handler: Handler,
): Promise<{ url: string; requests: { path: string; body: unknown; auth?: string }[] }> {
  const requests: { path: string; body: unknown; auth?: string }[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (data: Buffer) => (body += data.toString()));
    request.on("end", () => {
      requests.push({ path: request.url ?? "", body: JSON.parse(body), auth: request.headers.authorization });
      handler(request, body, response);
    });
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const json = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
};

async function embedError(promise: Promise<unknown>): Promise<EmbeddingProviderError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EmbeddingProviderError);
  return error as EmbeddingProviderError;
}

describe("createOpenAIEmbedder against a local HTTP server", () => {
  it("fails retryably on 500, then returns vectors ordered by index", async () => {
    let calls = 0;
    const server = await startServer((_request, body, response) => {
      calls += 1;
      if (calls === 1)
        return json(response, 500, { error: { message: "upstream overloaded" } }, { "retry-after": "2" });
      const { input } = JSON.parse(body) as { input: string[] };
      const data = input.map((text, index) => ({ index, embedding: [text.length, index] })).reverse();
      json(response, 200, { data, model: "m" });
    });
    const embedder = createOpenAIEmbedder({ baseUrl: `${server.url}/v1/`, apiKey: "sk-test", model: "m" });

    const error = await embedError(embedder.embed(["a", "bbb"]));
    expect(error).toMatchObject({ status: 500, retryable: true, retryAfterMs: 2000 });
    expect(error.message).toContain("upstream overloaded");

    expect(await embedder.embed(["a", "bbb"])).toEqual([
      [1, 0],
      [3, 1],
    ]);
    expect(embedder.dimensions).toBe(2);
    expect(server.requests[1]).toEqual({
      path: "/v1/embeddings",
      body: { model: "m", input: ["a", "bbb"], encoding_format: "float" },
      auth: "Bearer sk-test",
    });
  });

  it("does not retry a 400 and carries the provider's message", async () => {
    const server = await startServer((_request, _body, response) =>
      json(response, 400, {
        error: { message: "input too long for model m", type: "invalid_request_error" },
      }),
    );
    const error = await embedError(createOpenAIEmbedder({ baseUrl: server.url, model: "m" }).embed(["x"]));
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toContain("input too long for model m");
  });

  it("times out a hanging server as a retryable error without status", async () => {
    const server = await startServer(() => {});
    const started = Date.now();
    const error = await embedError(
      createOpenAIEmbedder({ baseUrl: server.url, model: "m", timeoutMs: 200 }).embed(["x"]),
    );
    expect(error).toMatchObject({ status: undefined, retryable: true });
    expect(error.message).toMatch(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("treats a refused connection as a retryable network error and a caller abort as the caller's", async () => {
    const server = await startServer(() => {});
    const controller = new AbortController();
    const pending = createOpenAIEmbedder({ baseUrl: server.url, model: "m" }).embed(["x"], controller.signal);
    const reason = new Error("shutting down");
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);

    const gone = await startServer(() => {});
    const closedServer = servers.pop();
    await new Promise((resolve) => closedServer?.close(resolve));
    const error = await embedError(createOpenAIEmbedder({ baseUrl: gone.url, model: "m" }).embed(["x"]));
    expect(error).toMatchObject({ status: undefined, retryable: true });
  });

  it("rejects a response with the wrong number of vectors as non-retryable", async () => {
    const server = await startServer((_request, _body, response) =>
      json(response, 200, { data: [{ index: 0, embedding: [1] }] }),
    );
    const error = await embedError(
      createOpenAIEmbedder({ baseUrl: server.url, model: "m" }).embed(["a", "b"]),
    );
    expect(error).toMatchObject({ status: 200, retryable: false });
  });
});
