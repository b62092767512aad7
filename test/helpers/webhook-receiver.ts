import { createHmac, timingSafeEqual } from "node:crypto";
import http, { type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request's body had arrived. */
  at: number;
}

/** How the receiver answers one request: a status (with headers), or "hang" (never answers). */
export type Answer = number | { status: number; headers: Record<string, string> } | "hang";

/**
 * A real HTTP receiver on 127.0.0.1. Answers are taken from a queue (200 when it is empty);
 * `received(n)` resolves once n requests have arrived, so tests wait on the receiver, not a timer.
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  readonly #answers: Answer[] = [];
  readonly #waiters = new Set<{ n: number; resolve: () => void }>();
  readonly #hanging = new Set<ServerResponse>();
  readonly #server: http.Server;
  url = "";

  private constructor() {
    this.#server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8").on("data", (c: string) => {
        body += c;
      });
      req.on("end", () => {
        this.requests.push({ headers: req.headers, body, at: performance.now() });
        const answer = this.#answers.shift() ?? 200;
        if (answer === "hang") this.#hanging.add(res);
        else if (typeof answer === "number") res.writeHead(answer).end();
        else res.writeHead(answer.status, answer.headers).end();
        for (const w of [...this.#waiters]) {
          if (this.requests.length >= w.n) {
            this.#waiters.delete(w);
            w.resolve();
          }
        }
      });
    });
  }

  static async start(path = "/hook"): Promise<WebhookReceiver> {
    const r = new WebhookReceiver();
    await new Promise<void>((resolve) => r.#server.listen(0, "127.0.0.1", resolve));
    r.url = `http://127.0.0.1:${(r.#server.address() as AddressInfo).port}${path}`;
    return r;
  }

  /** Queues the answers to the next requests. */
  answer(...answers: Answer[]): void {
    this.#answers.push(...answers);
  }

  /** Resolves with request number `n` (1-based) once it has arrived. */
  async received(n: number): Promise<ReceivedWebhook> {
    if (this.requests.length < n) await new Promise<void>((resolve) => this.#waiters.add({ n, resolve }));
    return this.requests[n - 1]!;
  }

  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server.close(r));
  }
}

/**
 * Verifies a Standard Webhooks signature as a receiver would, written from the spec
 * (standardwebhooks.com), not from intake's signer: the key is the base64 after `whsec_`, the
 * content `{webhook-id}.{webhook-timestamp}.{body}`, and any one `v1,<base64 HMAC-SHA256>` of
 * the space-separated list must match, with the timestamp within `toleranceSeconds` of now.
 */
export function verifyStandardWebhook(
  secret: string,
  headers: IncomingHttpHeaders,
  body: string,
  toleranceSeconds = 300,
): boolean {
  const id = String(headers["webhook-id"] ?? "");
  const timestamp = String(headers["webhook-timestamp"] ?? "");
  const signatures = String(headers["webhook-signature"] ?? "");
  if (!id || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    if (version !== "v1" || !signature) return false;
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
