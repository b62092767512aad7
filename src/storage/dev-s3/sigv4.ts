import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/core/protocols";
import { getSigningKey, SignatureV4 } from "@smithy/signature-v4";

export interface DevS3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface AuthFailure {
  status: 400 | 403 | 501;
  code: string;
  message: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const SHA_HEADER = "x-amz-content-sha256";
const SKEW_MS = 15 * 60_000;
const refuse = (status: AuthFailure["status"], code: string, message: string): AuthFailure => ({
  status,
  code,
  message,
});
const UNKNOWN_KEY = refuse(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist");
const MISMATCH = refuse(
  403,
  "SignatureDoesNotMatch",
  "The request signature we calculated does not match the signature you provided",
);

/** Constant-time, so a caller cannot learn a valid signature byte by byte from response times. */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function amzDate(s: string | null): Date | null {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(s ?? "");
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : null;
}

/**
 * Verifies SigV4 the way S3 does, by re-signing with the SDK's own signer (`@smithy/signature-v4`,
 * S3's settings: no double path escaping) rather than a hand-written canonicalisation, so the
 * dev server accepts exactly what the SDK signs. One access key: the one intake was given.
 */
export function createSigV4Verifier(creds: DevS3Credentials) {
  const signer = new SignatureV4({
    service: "s3",
    region: creds.region,
    credentials: creds,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });

  /** The request as the client signed it: its method, raw path, query, and only the signed headers. */
  function signable(req: Request, url: URL, signed: string[], dropQuery: Set<string>) {
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      if (dropQuery.has(k)) continue;
      const prev = query[k];
      query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    const headers: Record<string, string> = {};
    for (const name of signed) headers[name] = req.headers.get(name) ?? "";
    return new HttpRequest({
      method: req.method,
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers,
    });
  }

  /** `Authorization: AWS4-HMAC-SHA256 …`; `body` is read only when the payload hash must be checked. */
  async function verifyHeader(req: Request, url: URL, body: () => Promise<ArrayBuffer>) {
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(
        req.headers.get("authorization") ?? "",
      );
    if (!m) return refuse(400, "AuthorizationHeaderMalformed", "the Authorization header is malformed");
    const [, credential = "", signedList = "", signature = ""] = m;
    if (credential.split("/")[0] !== creds.accessKeyId) return UNKNOWN_KEY;
    const date = amzDate(req.headers.get("x-amz-date"));
    if (!date) return refuse(403, "AccessDenied", "x-amz-date is missing or malformed");
    // As S3 does, so a captured request cannot be replayed later.
    if (Math.abs(Date.now() - date.getTime()) > SKEW_MS) {
      return refuse(403, "RequestTimeTooSkewed", "x-amz-date is more than 15 minutes from the server's time");
    }
    const payloadHash = req.headers.get(SHA_HEADER);
    if (!payloadHash) return refuse(400, "InvalidRequest", `missing required header ${SHA_HEADER}`);
    if (payloadHash.startsWith("STREAMING-") && payloadHash !== "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
      // Signed chunks would each need their own signature checked; the SDK for JS never sends them.
      return refuse(501, "NotImplemented", `${payloadHash} is not supported by the development S3 server`);
    }
    const signed = signedList.split(";");
    const request = signable(req, url, signed, new Set());
    request.headers[SHA_HEADER] = payloadHash;
    const mine = await signer.sign(request, {
      signingDate: date,
      // Exactly the client's list: sign nothing it left out, and nothing the signer would skip.
      signableHeaders: new Set(signed),
      unsignableHeaders: new Set([SHA_HEADER, "x-amz-date"].filter((h) => !signed.includes(h))),
    });
    const expected = /Signature=([0-9a-f]+)/.exec(String(mine.headers.authorization))?.[1] ?? "";
    if (!same(expected, signature)) return MISMATCH;
    if (/^[0-9a-f]{64}$/.test(payloadHash)) {
      const actual = createHash("sha256")
        .update(new Uint8Array(await body()))
        .digest("hex");
      if (!same(actual, payloadHash)) {
        return refuse(400, "XAmzContentSHA256Mismatch", "the body does not hash to x-amz-content-sha256");
      }
    } else if (payloadHash !== "UNSIGNED-PAYLOAD" && !payloadHash.startsWith("STREAMING-")) {
      return refuse(400, "InvalidArgument", `${SHA_HEADER} is neither a SHA-256 nor UNSIGNED-PAYLOAD`);
    }
    return null;
  }

  /** A presigned URL: expiry first (as before), then the signature over the same date and expiry. */
  async function verifyQuery(req: Request, url: URL) {
    const q = url.searchParams;
    if (q.get("X-Amz-Algorithm") !== ALGORITHM) {
      return refuse(400, "AuthorizationQueryParametersError", `X-Amz-Algorithm must be ${ALGORITHM}`);
    }
    if ((q.get("X-Amz-Credential") ?? "").split("/")[0] !== creds.accessKeyId) return UNKNOWN_KEY;
    const date = amzDate(q.get("X-Amz-Date"));
    const expires = Number(q.get("X-Amz-Expires"));
    if (!date || !Number.isInteger(expires) || expires < 1 || expires > 604_800) {
      return refuse(400, "AuthorizationQueryParametersError", "X-Amz-Date or X-Amz-Expires is invalid");
    }
    if (Date.now() > date.getTime() + expires * 1000)
      return refuse(403, "AccessDenied", "Request has expired");
    const signed = (q.get("X-Amz-SignedHeaders") ?? "").split(";");
    // The S3 presigner signs with the payload hash as a header the signer then hoists into the
    // query under the same name; put it back there so the signer does the same.
    const shaKey = [...q.keys()].find((k) => k.toLowerCase() === SHA_HEADER);
    const params = ["Algorithm", "Credential", "Date", "Expires", "SignedHeaders", "Signature"];
    const drop = new Set([...params.map((p) => `X-Amz-${p}`), ...(shaKey ? [shaKey] : [])]);
    const request = signable(req, url, signed, drop);
    request.headers[shaKey ?? SHA_HEADER] = shaKey ? (q.get(shaKey) ?? "") : "UNSIGNED-PAYLOAD";
    const mine = await signer.presign(request, {
      signingDate: date,
      expiresIn: expires,
      signableHeaders: new Set(signed),
      unhoistableHeaders: new Set(shaKey ? signed : [...signed, SHA_HEADER]),
      unsignableHeaders: shaKey ? undefined : new Set([SHA_HEADER]),
    });
    return same(String(mine.query?.["X-Amz-Signature"]), q.get("X-Amz-Signature") ?? "") ? null : MISMATCH;
  }

  /** A form POST: the policy's signature with the key derived for the credential's date. */
  async function verifyPolicy(form: FormData, policy: string) {
    const field = (name: string) => {
      for (const [k, v] of form.entries()) if (k.toLowerCase() === name && typeof v === "string") return v;
      return "";
    };
    const [accessKeyId, shortDate = ""] = field("x-amz-credential").split("/");
    if (!accessKeyId || !field("x-amz-signature"))
      return refuse(403, "AccessDenied", "the form is not signed");
    if (field("x-amz-algorithm") !== ALGORITHM) return MISMATCH;
    if (accessKeyId !== creds.accessKeyId) return UNKNOWN_KEY;
    const key = await getSigningKey(Sha256, creds, shortDate, creds.region, "s3");
    const expected = createHmac("sha256", key).update(policy).digest("hex");
    return same(expected, field("x-amz-signature")) ? null : MISMATCH;
  }

  return { verifyHeader, verifyQuery, verifyPolicy };
}
