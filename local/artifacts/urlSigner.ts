/** Expiring signed download URLs, the local stand-in for S3 presigned URLs: the URL carries the
 * artifact's sha256, an expiry and an HMAC-SHA256 over both, so the artifact server needs no
 * session and a leaked URL stops working when it expires. */
import { createHmac, timingSafeEqual } from "node:crypto";

export type SignatureCheck = { valid: true } | { valid: false; reason: string };

export class UrlSigner {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error("UrlSigner: the key must be at least 32 bytes");
  }

  /** Query string for a download of `sha256` valid until `expiresAt` (unix seconds). */
  sign(sha256: string, expiresAt: number): string {
    return `expires=${expiresAt}&signature=${this.mac(sha256, expiresAt)}`;
  }

  verify(sha256: string, expires: string | null, signature: string | null, nowSeconds: number): SignatureCheck {
    if (!expires || !/^\d{1,12}$/.test(expires) || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
      return { valid: false, reason: "the URL lacks a valid expires/signature pair; ask the jobs service for a fresh URL" };
    }
    const expected = Buffer.from(this.mac(sha256, Number(expires)), "hex");
    // Constant-time compare: a signature must not be guessable byte by byte from timing.
    if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) return { valid: false, reason: "the signature does not match (tampered URL, or signed by another state dir)" };
    if (Number(expires) <= nowSeconds) return { valid: false, reason: `the URL expired at ${new Date(Number(expires) * 1000).toISOString()}; read the job document again for a fresh one` };
    return { valid: true };
  }

  private mac(sha256: string, expiresAt: number): string {
    return createHmac("sha256", this.key).update(`artifact\n${sha256}\n${expiresAt}`).digest("hex");
  }
}
