import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Config } from "../config/index.js";
import type { Logger } from "../observability/logger.js";

/*
 * Short-lived upload tokens for clients that cannot hold an API key safely or send it as a
 * header (stock Uppy in a browser): `ut1.<base64url {t: tenant, e: expiry s}>.<HMAC-SHA256>`.
 * Stateless, so any API instance verifies any other's tokens without a table.
 */

/**
 * Every API instance must verify every other's tokens, so the key is derived from secrets they
 * all share (the S3 secret and the webhook token); with neither, a random one limits tokens to
 * this process, which is only right for a single instance.
 */
export function uploadTokenSecret(config: Config, logger: Logger): Buffer {
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

export function signUploadToken(secret: Buffer, tenant: string, expires: number): string {
  const payload = Buffer.from(JSON.stringify({ t: tenant, e: expires })).toString("base64url");
  return `ut1.${payload}.${createHmac("sha256", secret).update(payload).digest("base64url")}`;
}

export function verifyUploadToken(secret: Buffer, token: string): string | null {
  const [, payload = "", mac = ""] = token.split(".");
  const expected = createHmac("sha256", secret).update(payload).digest();
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const { t, e } = JSON.parse(Buffer.from(payload, "base64url").toString()) as { t: string; e: number };
  return typeof t === "string" && e > Date.now() / 1000 ? t : null;
}
