/** Dashboard tokens for the local broker's WebSocket listener: `sfdash.<expiryMs>.<base64url mac>`,
 * the MAC being HMAC-SHA256 over the app and the expiry with a key made at broker start. Locally
 * this stands in for the IoT custom authorizer the deployed dashboard uses (lambda/): the browser
 * gets a short-lived bearer token instead of a certificate it could not keep secret. A fresh key
 * per start means a restart revokes every token handed out before, which is what we want. */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const DASHBOARD_TOKEN_PREFIX = "sfdash";
/** Long enough for a working session, short enough that a leaked token soon stops working. */
export const DEFAULT_DASHBOARD_TOKEN_TTL_MS = 12 * 60 * 60 * 1000;

export type TokenCheck = { valid: true; expiresAt: number } | { valid: false; reason: string };

export class DashboardTokens {
  private readonly key = randomBytes(32);

  constructor(
    private readonly app: string,
    private readonly defaultTtlMs = DEFAULT_DASHBOARD_TOKEN_TTL_MS,
  ) {}

  issue(ttlMs = this.defaultTtlMs, now = Date.now()): string {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new Error(`dashboard token lifetime must be a positive number of ms, got ${ttlMs}`);
    const expiresAt = Math.floor(now + ttlMs);
    return `${DASHBOARD_TOKEN_PREFIX}.${expiresAt}.${this.mac(expiresAt).toString("base64url")}`;
  }

  verify(token: string | undefined, now = Date.now()): TokenCheck {
    if (!token) return { valid: false, reason: "no dashboard token (send it as the MQTT password)" };
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== DASHBOARD_TOKEN_PREFIX || !/^\d{1,15}$/.test(parts[1])) {
      return { valid: false, reason: `malformed dashboard token (expected ${DASHBOARD_TOKEN_PREFIX}.<expiryMs>.<mac>)` };
    }
    const expiresAt = Number(parts[1]);
    const expected = this.mac(expiresAt);
    const given = Buffer.from(parts[2], "base64url");
    // Constant-time compare: the MAC must not be guessable byte by byte from response timing.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { valid: false, reason: "dashboard token signature is wrong (forged, or issued before the broker restarted)" };
    }
    if (expiresAt <= now) return { valid: false, reason: `dashboard token expired at ${new Date(expiresAt).toISOString()}` };
    return { valid: true, expiresAt };
  }

  private mac(expiresAt: number): Buffer {
    return createHmac("sha256", this.key).update(`${DASHBOARD_TOKEN_PREFIX}\n${this.app}\n${expiresAt}`).digest();
  }
}
