/** `dashboard-config.json`: what the dashboard page reads before it connects, written next to the
 * page by the local dashboard server (local/dashboard) and by the AWS deployment
 * (components/dashboardSite.ts). One shape for both writers and the page (web/src/config.ts). */
export interface DashboardConfig {
  app: string;
  mqtt: { url: string; username: string };
  /** The cloud onboards boards by claim: the page shows the onboarding panel (approvals API). */
  onboarding?: boolean;
}

export function parseDashboardConfig(value: unknown, source: string): DashboardConfig {
  const c = value as Partial<DashboardConfig> | null;
  const problems: string[] = [];
  if (typeof c !== "object" || c === null) throw new Error(`${source} is not a JSON object`);
  if (typeof c.app !== "string" || !c.app) problems.push(`"app" must be the app name`);
  if (typeof c.mqtt !== "object" || c.mqtt === null) problems.push(`"mqtt" must be {"url": "ws(s)://…/mqtt", "username": "…"}`);
  else {
    if (typeof c.mqtt.url !== "string" || !/^wss?:\/\//.test(c.mqtt.url)) problems.push(`"mqtt.url" must be a ws:// or wss:// URL`);
    if (typeof c.mqtt.username !== "string" || !c.mqtt.username) problems.push(`"mqtt.username" must be a non-empty string`);
  }
  if (c.onboarding !== undefined && typeof c.onboarding !== "boolean") problems.push(`"onboarding" must be true or false`);
  if (problems.length) throw new Error(`${source}: ${problems.join("; ")}`);
  return c as DashboardConfig;
}
