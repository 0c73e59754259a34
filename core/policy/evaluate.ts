/** AWS IoT Core policy evaluation (IAM logic): default deny, any matching explicit Deny beats
 * every Allow. The local broker calls this for each connect, publish, subscribe and delivery,
 * with the same documents AWS gets, so a policy bug shows up locally before it ships. */
import { matchesPattern, type VariableResolver } from "./match";
import type { NamedPolicy, PolicyAction, PolicyDocument, PolicyStatement } from "./types";

export interface AuthorizationContext {
  /** Thing attached to the client's certificate; undefined when none (variables then don't resolve). */
  thingName?: string;
  clientId: string;
}

export interface AuthorizationRequest {
  action: PolicyAction;
  /** Full ARN: see arn.ts. */
  resource: string;
  context: AuthorizationContext;
}

export interface AuthorizationDecision {
  allowed: boolean;
  /** Which policy and statement decided, for broker logs and test failures. */
  reason: string;
}

export const DEFAULT_DENY_REASON = "no statement allows it (default deny)";

/** Accepts bare documents (reported as `policy #i`) or named ones (reported by name). */
export function evaluatePolicies(
  policies: ReadonlyArray<PolicyDocument | NamedPolicy>,
  request: AuthorizationRequest,
): AuthorizationDecision {
  const variables = variableResolver(request.context);
  let allowedBy: string | undefined;
  for (let p = 0; p < policies.length; p++) {
    const entry = policies[p];
    const document = "document" in entry ? entry.document : entry;
    const label = "document" in entry ? `policy "${entry.name}"` : `policy #${p}`;
    // Stryker disable next-line ArrayDeclaration: equivalent: a placeholder statement that isn't an object has no Effect, Action or Resource and decides nothing
    const statements = document.Statement ?? [];
    for (let s = 0; s < statements.length; s++) {
      const statement = statements[s];
      const resource = matchingResource(statement, request, variables);
      if (resource === undefined) continue;
      const where = `${label} Statement[${s}] (${statement.Effect} ${request.action} on ${resource})`;
      if (statement.Effect === "Deny") return { allowed: false, reason: `denied by ${where}` };
      if (statement.Effect === "Allow") allowedBy ??= where;
    }
  }
  return allowedBy ? { allowed: true, reason: `allowed by ${allowedBy}` } : { allowed: false, reason: DEFAULT_DENY_REASON };
}

/** Statement keys the evaluators don't interpret (shared with compiled.ts). */
export const UNSUPPORTED_KEYS = ["Condition", "NotAction", "NotResource"];

/** The statement's first resource pattern matching the request, or undefined if it doesn't apply. */
function matchingResource(statement: PolicyStatement, request: AuthorizationRequest, variables: VariableResolver): string | undefined {
  // Condition, NotAction and NotResource aren't evaluated. Fail closed on documents that use them
  // anyway (parsed JSON can): such an Allow never applies, such a Deny applies unconditionally.
  if (statement.Effect === "Allow" && UNSUPPORTED_KEYS.some((key) => key in statement)) return undefined;
  // IAM action names are case-insensitive; resources are not.
  const action = request.action.toLowerCase();
  if (!asList(statement.Action).some((pattern) => matchesPattern(pattern.toLowerCase(), action))) return undefined;
  return asList(statement.Resource).find((pattern) => matchesPattern(pattern, request.resource, variables));
}

export function variableResolver(context: AuthorizationContext): VariableResolver {
  return (name) => {
    if (name === "iot:Connection.Thing.ThingName") return context.thingName;
    if (name === "iot:ClientId") return context.clientId;
    return undefined; // Unknown variables never resolve, so their statements never match.
  };
}

/** Documents written by hand or read back from AWS may use a single string. */
export function asList(value: string | readonly string[] | undefined): readonly string[] {
  // Stryker disable next-line ArrayDeclaration: equivalent for a missing list: a placeholder pattern names no IoT action and no ARN, so it matches nothing
  return value === undefined ? [] : typeof value === "string" ? [value] : value;
}
