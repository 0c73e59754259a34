/** IoT custom authorizer for the deployed dashboard. The browser connects over MQTT-over-WebSocket
 * with username `dashboard?x-amz-customauthorizer-name=<authorizer>` and the dashboard token as
 * password; this function checks the token (core/contracts/dashboardToken.ts, key from Secrets Manager) and
 * answers with the dashboard policy (core/policy), the same document the local broker enforces,
 * so the dashboard can watch the app's devices and send down on server-writable channels, nothing else. */
import { verifyDashboardToken } from "../../core/contracts/dashboardToken";
import type { DashboardRole } from "../../core/contracts/dashboardRoles";
import type { ChannelDecl } from "../../core/contracts/manifest";
import type { SettingDecl } from "../../core/settings/settingDecl";
import { dashboardClientIdPrefix, dashboardPolicyDocument, dashboardSettingsPolicyDocument } from "../../core/policy";
import { MAX_AUTHORIZER_SECONDS, MIN_AUTHORIZER_SECONDS, type IotAuthorizerEvent, type IotAuthorizerResponse } from "./authorizerEvent";

export interface AuthorizerConfig {
  app: string;
  region: string;
  account: string;
  channels: readonly ChannelDecl[];
  /** With settings, the dashboard also reads and sets the settings shadows (core/policy/settingsShadowRights.ts). */
  settings?: readonly SettingDecl[];
  /** The HMAC key; fetched once per Lambda container and cached by the caller. */
  loadKey: () => Promise<Uint8Array>;
  /** Where refusals are reported (CloudWatch in Lambda). Never given the token itself. */
  log?: (line: string) => void;
  now?: () => number;
}

export type AuthorizerHandler = (event: IotAuthorizerEvent) => Promise<IotAuthorizerResponse>;

/** Re-check tokens every 5 minutes at most, so a revoked key (rotation) takes effect soon. */
const REFRESH_AFTER_SECONDS = MIN_AUTHORIZER_SECONDS;

export function createAuthorizerHandler(config: AuthorizerConfig): AuthorizerHandler {
  const now = config.now ?? Date.now;
  const log = config.log ?? (() => {});
  // Built once per role: the documents only depend on the deployment, and building them checks
  // their size. The settings shadows' rights are a second document (each has its own 2,048 characters).
  const policyOf = (role: DashboardRole): string[] => {
    const args = { app: config.app, region: config.region, account: config.account, channels: config.channels, settings: config.settings, role };
    const settingsPolicy = dashboardSettingsPolicyDocument(args);
    return [JSON.stringify(dashboardPolicyDocument(args)), ...(settingsPolicy ? [JSON.stringify(settingsPolicy)] : [])];
  };
  const policies: Record<DashboardRole, string[]> = { viewer: policyOf("viewer"), operator: policyOf("operator") };
  const principalId = `sfdash${config.app.replace(/[^A-Za-z0-9]/g, "")}`.slice(0, 128);

  return async (event) => {
    const mqtt = event.protocolData?.mqtt;
    const connection = event.connectionMetadata?.id ?? "unknown connection";
    const deny = (reason: string): IotAuthorizerResponse => {
      log(`dashboard connection ${connection} refused: ${reason}`);
      return { isAuthenticated: false, principalId, policyDocuments: [], disconnectAfterInSeconds: MIN_AUTHORIZER_SECONDS, refreshAfterInSeconds: REFRESH_AFTER_SECONDS };
    };
    if (!mqtt) return deny("not an MQTT connection (the dashboard connects over MQTT over WebSocket)");
    const clientId = mqtt.clientId ?? "";
    // The policy would refuse the connect anyway; refusing here gives a readable log line.
    if (!clientId.startsWith(dashboardClientIdPrefix(config.app))) {
      return deny(`client id ${JSON.stringify(clientId)} does not start with ${dashboardClientIdPrefix(config.app)}`);
    }
    const token = mqtt.password ? Buffer.from(mqtt.password, "base64").toString("utf8") : undefined;
    const at = now();
    const check = verifyDashboardToken(await config.loadKey(), config.app, token, at, "dashboard token signature is wrong (forged, or signed with another key)");
    if (!check.valid) return deny(check.reason);
    const secondsLeft = Math.floor((check.expiresAt - at) / 1000);
    return {
      isAuthenticated: true,
      principalId,
      // The role is signed into the token; an operator's policies add the operator-only topics.
      policyDocuments: policies[check.role],
      // AWS wants at least 300 s; a token with less left is still cut off at the next refresh.
      disconnectAfterInSeconds: clamp(secondsLeft, MIN_AUTHORIZER_SECONDS, MAX_AUTHORIZER_SECONDS),
      refreshAfterInSeconds: REFRESH_AFTER_SECONDS,
    };
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
