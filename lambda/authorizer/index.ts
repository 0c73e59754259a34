/** Lambda entry point (bundled by esbuild at deploy time, components/dashboardAuthorizer.ts).
 * Configuration comes from environment variables the component sets; the key is read from
 * Secrets Manager on the first connection and cached for the life of the container. */
import type { ChannelDecl } from "../../core/contracts/manifest";
import type { SettingDecl } from "../../core/settings/settingDecl";
import { createAuthorizerHandler, type AuthorizerHandler } from "./handler";
import type { IotAuthorizerEvent } from "./authorizerEvent";
import { cachedDashboardKey } from "../dashboardKeySecret";

export const AUTHORIZER_ENV = {
  app: "SNAPFLEET_APP",
  channels: "SNAPFLEET_CHANNELS",
  /** The app's settings (JSON); absent when it has none. */
  settings: "SNAPFLEET_SETTINGS",
  account: "SNAPFLEET_ACCOUNT",
  keySecretArn: "SNAPFLEET_DASHBOARD_KEY_SECRET_ARN",
  /** Not read: its change on key rotation is what makes Lambda start fresh containers. */
  keyVersion: "SNAPFLEET_DASHBOARD_KEY_VERSION",
} as const;

let handlerPromise: Promise<AuthorizerHandler> | undefined;

export async function handler(event: IotAuthorizerEvent) {
  handlerPromise ??= Promise.resolve(fromEnvironment(process.env));
  return (await handlerPromise)(event);
}

export function fromEnvironment(env: NodeJS.ProcessEnv): AuthorizerHandler {
  const read = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`authorizer misconfigured: environment variable ${name} is not set (redeploy with pulumi up)`);
    return value;
  };
  const secretArn = read(AUTHORIZER_ENV.keySecretArn);
  return createAuthorizerHandler({
    app: read(AUTHORIZER_ENV.app),
    region: read("AWS_REGION"),
    account: read(AUTHORIZER_ENV.account),
    channels: JSON.parse(read(AUTHORIZER_ENV.channels)) as ChannelDecl[],
    settings: env[AUTHORIZER_ENV.settings] ? (JSON.parse(env[AUTHORIZER_ENV.settings]!) as SettingDecl[]) : undefined,
    log: (line) => console.log(line),
    loadKey: cachedDashboardKey(secretArn),
  });
}
