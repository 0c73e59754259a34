/** Dashboard roles: what a dashboard link may do. The role travels inside the signed token
 * (core/contracts/dashboardToken.ts), so a viewer can't promote itself; every place that acts on
 * a dashboard's behalf checks it here: the local broker and dashboard server, and on AWS the
 * custom authorizer (MQTT) and the API Lambdas behind CloudFront (HTTP).
 *
 * - viewer (the default, what every link was before roles): watch the fleet, its logs and
 *   rollouts, use the feature controls (send `down` on server-writable channels).
 * - operator: also the actions below. Features that add an operator-only action (device approval,
 *   settings, ...) add it to OPERATOR_ACTIONS, and its MQTT topics, if any, to operatorPublishTopics:
 *   the dashboard policy, the HTTP APIs and the page all read this one list. */
export const DASHBOARD_ROLES = ["viewer", "operator"] as const;
export type DashboardRole = (typeof DASHBOARD_ROLES)[number];
export const DEFAULT_DASHBOARD_ROLE: DashboardRole = "viewer";

/** Operator-only actions, with how a refusal names them. */
export const OPERATOR_ACTIONS = {
  "jobs:cancel": "cancel an OTA job",
  "devices:approve": "approve or deny a pending device",
  "settings:change": "change a device's settings",
} as const;
export type OperatorAction = keyof typeof OPERATOR_ACTIONS;

/** MQTT topics (IoT policy resource patterns, `*` for a whole level) that only an operator
 * dashboard may publish on, per action. Job cancellation goes through the jobs API (HTTP), so it
 * has none; settings and approvals add theirs here when they travel over MQTT. */
export function operatorPublishTopics(_app: string): Record<OperatorAction, string[]> {
  return { "jobs:cancel": [], "devices:approve": [], "settings:change": [] };
}

export function isDashboardRole(value: unknown): value is DashboardRole {
  return typeof value === "string" && (DASHBOARD_ROLES as readonly string[]).includes(value);
}

/** Checks a role name from a flag or config; throws with the choices. */
export function parseDashboardRole(value: unknown, where: string): DashboardRole {
  if (value === undefined) return DEFAULT_DASHBOARD_ROLE;
  if (!isDashboardRole(value)) throw new Error(`${where}: role must be one of ${DASHBOARD_ROLES.join(", ")}, got ${JSON.stringify(value)}`);
  return value;
}

export type RoleDecision = { allowed: true } | { allowed: false; reason: string };

/** Whether `role` may do `action`; a refusal says what was refused and how to get the right link,
 * locally and deployed (the page can't tell which: the same bundle serves both). */
export function roleMay(role: DashboardRole, action: OperatorAction): RoleDecision {
  if (role === "operator") return { allowed: true };
  return {
    allowed: false,
    reason: `this dashboard link is a ${role} link: to ${OPERATOR_ACTIONS[action]} you need an operator link (the "operator" link snapfleet dev prints; for a deployment: snapfleet dashboard-link --role operator)`,
  };
}

/** The role a token (core/contracts/dashboardToken.ts) claims, unverified: for the page, which
 * offers operator actions only to an operator (the servers check the signature before acting).
 * Here rather than beside the token code, which needs node:crypto the browser doesn't have. */
export function claimedDashboardRole(token: string): DashboardRole {
  const parts = token.split(".");
  return parts.length === 4 && isDashboardRole(parts[1]) ? parts[1] : DEFAULT_DASHBOARD_ROLE;
}
