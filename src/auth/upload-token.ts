import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Config } from "../config/index.js";
import type { Logger } from "../observability/logger.js";

/*
 * Short-lived tokens for clients that cannot hold an API key safely or send it as a header
 * (stock Uppy in a browser, an EventSource): `ut2.<base64url {t: tenant, k: key id, e: expiry s}>.<HMAC-SHA256>`.
 * The signature is stateless, so any API instance verifies any other's tokens; the key id binds
 * the token to the key that minted it, and the caller checks on every use that this key is not
 * revoked (`tenantForLiveKeyId`), so a revoke ends its tokens at once. `ut1.` tokens, which
 * named no key, are no longer accepted: they could outlive a revoke by up to their hour.
 */

const PREFIX = "ut2.";

/** Whether a bearer or cookie value is one of these tokens (and not an API key). */
export const isUploadToken = (token: string) => token.startsWith(PREFIX);

/**
 * Every API instance must verify every other's tokens, so the key is derived from secrets they
 * all share (the S3 secret and the webhook token); with neither, a random one limits tokens to
 * this process, which is only right for a single instance.
 */
export function uploadTokenSecret(config: Config, logger: Logger): Buffer {
  // One per config, so the Companion routes (which mint) and the event stream (which accepts
  // tokens as `?access_token=`) agree even on the random fallback.
  let secret = secrets.get(config);
  if (!secret) {
    secret = deriveSecret(config, logger);
    secrets.set(config, secret);
  }
  return secret;
}

const secrets = new WeakMap<Config, Buffer>();

function deriveSecret(config: Config, logger: Logger): Buffer {
  // Its own secret when configured, so that the S3 key or the webhook token never signs it.
  if (config.uploadTokenSecret) {
    return createHash("sha256").update(`intake upload token v2\0${config.uploadTokenSecret}`).digest();
  }
  const shared = [config.s3.secretAccessKey, config.webhookToken].filter(Boolean).join("\0");
  if (!shared)
    logger.warn("no S3 secret or webhook token configured: /s3 upload tokens only work on this instance");
  return createHash("sha256")
    .update(`intake upload token v1\0${shared || randomBytes(32).toString("hex")}`)
    .digest();
}

export function signUploadToken(secret: Buffer, tenant: string, keyId: string, expires: number): string {
  const payload = Buffer.from(JSON.stringify({ t: tenant, k: keyId, e: expires })).toString("base64url");
  return `${PREFIX}${payload}.${createHmac("sha256", secret).update(payload).digest("base64url")}`;
}

/** The tenant and minting key of a well-signed, unexpired token, or null. The key's state is the caller's check. */
export function verifyUploadToken(secret: Buffer, token: string): { tenant: string; keyId: string } | null {
  if (!isUploadToken(token)) return null;
  const [, payload = "", mac = ""] = token.split(".");
  const expected = createHmac("sha256", secret).update(payload).digest();
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const { t, k, e } = JSON.parse(Buffer.from(payload, "base64url").toString()) as {
    t: unknown;
    k: unknown;
    e: unknown;
  };
  if (typeof t !== "string" || typeof k !== "string" || typeof e !== "number") return null;
  return e > Date.now() / 1000 ? { tenant: t, keyId: k } : null;
}
