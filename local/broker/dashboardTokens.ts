/** Dashboard tokens for the local broker's WebSocket listener (format and checks: core/contracts/dashboardToken.ts).
 * Locally this stands in for the IoT custom authorizer the deployed dashboard uses (lambda/): the
 * browser gets a short-lived bearer token instead of a certificate it could not keep secret. A
 * fresh key per start means a restart revokes every token handed out before, which is what we want. */
import { randomBytes } from "node:crypto";
import {
  DASHBOARD_KEY_BYTES,
  DASHBOARD_TOKEN_PREFIX,
  DEFAULT_DASHBOARD_TOKEN_TTL_MS,
  mintDashboardToken,
  verifyDashboardToken,
  type TokenCheck,
} from "../../core/contracts/dashboardToken";
import type { DashboardRole } from "../../core/contracts/dashboardRoles";

export { DASHBOARD_TOKEN_PREFIX, DEFAULT_DASHBOARD_TOKEN_TTL_MS, type TokenCheck };

export class DashboardTokens {
  private readonly key = randomBytes(DASHBOARD_KEY_BYTES);

  constructor(
    private readonly app: string,
    private readonly defaultTtlMs = DEFAULT_DASHBOARD_TOKEN_TTL_MS,
  ) {}

  issue(ttlMs = this.defaultTtlMs, now = Date.now(), role?: DashboardRole): string {
    return mintDashboardToken(this.key, this.app, ttlMs, now, role);
  }

  verify(token: string | undefined, now = Date.now()): TokenCheck {
    return verifyDashboardToken(this.key, this.app, token, now, "dashboard token signature is wrong (forged, or issued before the broker restarted)");
  }
}
