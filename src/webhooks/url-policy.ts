import dns from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { forbiddenAddressReason } from "./address-policy.js";
import { WebhookError } from "./webhook-error.js";

/** Resolves a host name to every address (dns.lookup with `all: true`); tests pass their own. */
export type ResolveAll = (hostname: string, family: number) => Promise<{ address: string; family: number }[]>;

export const systemResolve: ResolveAll = (hostname, family) =>
  dns.promises.lookup(hostname, { all: true, family });

export interface UrlPolicy {
  /** INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS: allow http and every address. */
  allowPrivate: boolean;
  resolve?: ResolveAll;
}

/** The host of a URL as an address literal would be written (IPv6 without brackets). */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

/**
 * The URL a webhook may be sent to, or a WebhookError: an absolute https URL (http too when
 * private URLs are allowed) without a fragment, whose host is not, and does not resolve to, an
 * address `forbiddenAddressReason` refuses. Run at create/patch time for a clear 422; the
 * deliverer checks again at connect time (`guardedLookup`), where a DNS rebind is caught.
 */
export async function checkWebhookUrl(raw: string, policy: UrlPolicy): Promise<URL> {
  const url = assertWebhookUrlShape(raw, policy);
  if (policy.allowPrivate) return url;
  const host = hostOf(url);
  if (isIP(host)) {
    assertAllowedAddress(host, host);
    return url;
  }
  let addresses: { address: string }[];
  try {
    addresses = await (policy.resolve ?? systemResolve)(host, 0);
  } catch {
    throw new WebhookError("webhook_url_unresolvable", `url: ${host} does not resolve`);
  }
  for (const { address } of addresses) assertAllowedAddress(host, address);
  return url;
}

/** The scheme and shape half of `checkWebhookUrl` (no DNS). */
export function assertWebhookUrlShape(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookError("invalid_webhook_url", "url: not an absolute URL");
  }
  const schemes = policy.allowPrivate ? ["https:", "http:"] : ["https:"];
  if (!schemes.includes(url.protocol)) {
    throw new WebhookError(
      "invalid_webhook_url",
      policy.allowPrivate
        ? "url: must be http or https"
        : "url: must be https (http needs INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS=true)",
    );
  }
  if (url.hash) throw new WebhookError("invalid_webhook_url", "url: must not have a #fragment");
  if (!policy.allowPrivate && /(^|\.)localhost\.?$/i.test(url.hostname)) {
    throw new WebhookError("webhook_url_forbidden", `url: ${url.hostname} is loopback`);
  }
  return url;
}

function assertAllowedAddress(host: string, address: string): void {
  const why = forbiddenAddressReason(address);
  if (why) {
    throw new WebhookError(
      "webhook_url_forbidden",
      `url: ${host === address ? address : `${host} resolves to ${address}, which`} is ${why}; ` +
        "intake only calls public addresses unless INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS=true",
    );
  }
}

/**
 * A `lookup` for http.request that resolves with `resolve` and refuses the connection when any
 * address is forbidden. Node calls it at connect time and connects to exactly the address it
 * returns, so a host that resolved to a public address at create time and to 127.0.0.1 now (a
 * DNS rebind) is refused. Node skips `lookup` for IP literals: `sendWebhook` checks those.
 */
export function guardedLookup(resolve: ResolveAll = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options.family === 6 ? 6 : options.family === 4 ? 4 : 0).then(
      (addresses) => {
        try {
          if (addresses.length === 0)
            throw new WebhookError("webhook_url_unresolvable", `${hostname}: no address`);
          for (const { address } of addresses) assertAllowedAddress(hostname, address);
        } catch (err) {
          callback(err as NodeJS.ErrnoException, "", 0);
          return;
        }
        if (options.all) callback(null, addresses as never);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    );
  };
}
