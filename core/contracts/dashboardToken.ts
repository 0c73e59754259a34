/** Dashboard tokens: `sfdash.<expiryMs>.<base64url HMAC-SHA256(key, "sfdash\n<app>\n<expiryMs>")>`
 * for a viewer (the links minted before roles keep working), and
 * `sfdash.<role>.<expiryMs>.<base64url HMAC-SHA256(key, "sfdash\n<app>\n<expiryMs>\n<role>")>` for
 * any other role (core/contracts/dashboardRoles.ts): the role is signed, so it can't be edited.
 * A browser can't keep a client certificate secret, so the dashboard gets a short-lived bearer
 * token instead. The local broker checks it on its WebSocket listener; on AWS the IoT custom
 * authorizer Lambda (lambda/authorizer) checks it with a key kept in Secrets Manager. One pure
 * implementation serves both, so a link minted for one is judged by the same rules as the other. */
import { createHmac, timingSafeEqual } from "node:crypto";
import { DEFAULT_DASHBOARD_ROLE, isDashboardRole, type DashboardRole } from "./dashboardRoles";
// the header every API of the dashboard reads the token from (an MQTT client sends it as its password)
import { FLEET_STATUS_TOKEN_HEADER } from "./fleetStatus";

export const DASHBOARD_TOKEN_PREFIX = "sfdash";
/** Long enough for a working session, short enough that a leaked token soon stops working. */
export const DEFAULT_DASHBOARD_TOKEN_TTL_MS = 12 * 60 * 60 * 1000;
/** Keys are 32 random bytes (the HMAC-SHA256 block-size guidance: at least the hash length). */
export const DASHBOARD_KEY_BYTES = 32;

/** `missing`: no token came at all; the reason's hint names the MQTT password, and an HTTP API
 * words it with its header instead (tokenRefusal). */
export type TokenCheck = { valid: true; expiresAt: number; role: DashboardRole } | { valid: false; reason: string; missing?: true };

/** The error of an HTTP API (jobs, history, fleet status, approvals) that refused a token. */
export function tokenRefusal(check: Extract<TokenCheck, { valid: false }>): string {
  return `dashboard token refused: ${check.missing ? `no dashboard token (send it in the ${FLEET_STATUS_TOKEN_HEADER} header)` : check.reason}`;
}

export function mintDashboardToken(key: Uint8Array, app: string, ttlMs = DEFAULT_DASHBOARD_TOKEN_TTL_MS, now = Date.now(), role: DashboardRole = DEFAULT_DASHBOARD_ROLE): string {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new Error(`dashboard token lifetime must be a positive number of ms, got ${ttlMs}`);
  if (!isDashboardRole(role)) throw new Error(`dashboard token role must be viewer or operator, got ${JSON.stringify(role)}`);
  const expiresAt = Math.floor(now + ttlMs);
  const mac = dashboardMac(key, app, expiresAt, role).toString("base64url");
  return role === DEFAULT_DASHBOARD_ROLE ? `${DASHBOARD_TOKEN_PREFIX}.${expiresAt}.${mac}` : `${DASHBOARD_TOKEN_PREFIX}.${role}.${expiresAt}.${mac}`;
}

export { claimedDashboardRole } from "./dashboardRoles";

/** `signatureProblem` lets each caller say why a signature may be wrong in its own setting
 * (a broker restart locally, a rotated key on AWS). */
export function verifyDashboardToken(
  key: Uint8Array,
  app: string,
  token: string | undefined,
  now = Date.now(),
  signatureProblem = "dashboard token signature is wrong (forged, or signed with another key)",
): TokenCheck {
  if (!token) return { valid: false, missing: true, reason: "no dashboard token (send it as the MQTT password)" };
  const parts = token.split(".");
  // A role segment is there only for roles other than the default (see the header).
  const role = parts.length === 4 ? parts[1] : DEFAULT_DASHBOARD_ROLE;
  const [expiryText, macText] = parts.slice(-2);
  if ((parts.length !== 3 && parts.length !== 4) || parts[0] !== DASHBOARD_TOKEN_PREFIX || !/^\d{1,15}$/.test(expiryText)) {
    return { valid: false, reason: `malformed dashboard token (expected ${DASHBOARD_TOKEN_PREFIX}.<expiryMs>.<mac> or ${DASHBOARD_TOKEN_PREFIX}.<role>.<expiryMs>.<mac>)` };
  }
  if (!isDashboardRole(role) || (parts.length === 4 && role === DEFAULT_DASHBOARD_ROLE)) {
    return { valid: false, reason: `malformed dashboard token: unknown role ${JSON.stringify(role)}` };
  }
  const expiresAt = Number(expiryText);
  // Compared as text, not decoded: Node's base64url decoder skips characters outside the alphabet,
  // takes `+/` as well and ignores the last character's unused bits, so many spellings decode to
  // one MAC; only the one minted is the token (and an expiry has one spelling: no leading zeros).
  const expected = Buffer.from(dashboardMac(key, app, expiresAt, role).toString("base64url"));
  const given = Buffer.from(macText);
  // Constant-time compare: the MAC must not be guessable byte by byte from response timing.
  if (given.length !== expected.length || !timingSafeEqual(given, expected) || String(expiresAt) !== expiryText) return { valid: false, reason: signatureProblem };
  if (expiresAt <= now) return { valid: false, reason: `dashboard token expired at ${new Date(expiresAt).toISOString()}` };
  return { valid: true, expiresAt, role };
}

/** Deployed keys travel as text (Secrets Manager, `pulumi stack output`): base64url of the bytes. */
export function encodeDashboardKey(key: Uint8Array): string {
  return Buffer.from(key).toString("base64url");
}

export function decodeDashboardKey(text: string): Buffer {
  const key = Buffer.from(text.trim(), "base64url");
  if (key.length !== DASHBOARD_KEY_BYTES) {
    throw new Error(`dashboard key must be ${DASHBOARD_KEY_BYTES} bytes as base64url (${Math.ceil((DASHBOARD_KEY_BYTES * 4) / 3)} characters); got ${key.length} bytes. Use the stack output dashboardTokenKey as it is`);
  }
  return key;
}

function dashboardMac(key: Uint8Array, app: string, expiresAt: number, role: DashboardRole): Buffer {
  const signed = `${DASHBOARD_TOKEN_PREFIX}\n${app}\n${expiresAt}${role === DEFAULT_DASHBOARD_ROLE ? "" : `\n${role}`}`;
  return createHmac("sha256", key).update(signed).digest();
}
