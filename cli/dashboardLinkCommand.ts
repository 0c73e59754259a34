/** `snapfleet dashboard-link`: mints a dashboard link for a deployed app. The key comes from the
 * environment (SNAPFLEET_DASHBOARD_KEY, e.g. from `pulumi stack output dashboardTokenKey
 * --show-secrets`), never from a flag, which would show in `ps` and shell history. The token goes
 * in the URL fragment, which browsers never send to the web server. */
import { decodeDashboardKey, mintDashboardToken } from "../core/contracts/dashboardToken";
import { checkName } from "../core/contracts/names";
import { DASHBOARD_ROLES, isDashboardRole, DEFAULT_DASHBOARD_ROLE } from "../core/contracts/dashboardRoles";
import { CliError, UsageError } from "./cliError";

export const DASHBOARD_KEY_ENV = "SNAPFLEET_DASHBOARD_KEY";
const MAX_HOURS = 24 * 30;

interface Parsed {
  values: Record<string, unknown>;
  positionals: string[];
}

export function dashboardLinkCommand({ values, positionals }: Parsed, env: NodeJS.ProcessEnv = process.env, now = Date.now()): string {
  if (positionals.length) throw new UsageError(`dashboard-link takes no positional arguments (got ${positionals.join(" ")})`);
  const url = values.url as string | undefined;
  const app = values.app as string | undefined;
  if (!url) throw new UsageError("dashboard-link needs --url <dashboard URL> (the stack output dashboardUrl)");
  if (!/^https?:\/\//.test(url)) throw new UsageError(`--url must be the dashboard's address, starting with https:// (the stack output dashboardUrl), got ${url}`);
  const appProblem = checkName("app", app);
  if (appProblem) throw new UsageError(`dashboard-link --app: ${appProblem}`);
  const hours = values.hours === undefined ? 12 : Number(values.hours);
  if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_HOURS) throw new UsageError(`--hours must be a number above 0 and at most ${MAX_HOURS}, got ${String(values.hours)}`);
  const role = values.role ?? DEFAULT_DASHBOARD_ROLE;
  if (!isDashboardRole(role)) throw new UsageError(`--role must be one of ${DASHBOARD_ROLES.join(", ")}, got ${JSON.stringify(role)}`);
  const keyText = env[DASHBOARD_KEY_ENV];
  if (!keyText) {
    throw new CliError(`set ${DASHBOARD_KEY_ENV} to the dashboard key, e.g.\n  ${DASHBOARD_KEY_ENV}=$(pulumi stack output dashboardTokenKey --show-secrets) snapfleet dashboard-link --url ... --app ${app}`);
  }
  let key: Buffer;
  try {
    key = decodeDashboardKey(keyText);
  } catch (e) {
    throw new CliError(`${DASHBOARD_KEY_ENV}: ${(e as Error).message}`);
  }
  const token = mintDashboardToken(key, app!, hours * 60 * 60 * 1000, now, role);
  return `${url.replace(/#.*$/, "")}#token=${encodeURIComponent(token)}`;
}
