/** The policies of one connection, compiled once: the broker authorizes every publish and every
 * delivery, and interpreting the documents each time (parse, substitute variables, match every
 * statement) was about a third of its busy CPU. At connect the variables are resolved, each
 * statement is filed under the actions it names, and each resource pattern becomes a plain string
 * test; decisions are then remembered per (action, resource), a bounded number of them. The
 * decisions and their reasons are exactly `evaluatePolicies`'s (compiled.test.ts checks it over
 * generated policies and resources). */
import { asList, DEFAULT_DENY_REASON, UNSUPPORTED_KEYS, variableResolver, type AuthorizationContext, type AuthorizationDecision } from "./evaluate";
import { compilePattern, matchesPattern } from "./match";
import type { NamedPolicy, PolicyAction, PolicyDocument, PolicyStatement } from "./types";

const ACTIONS: readonly PolicyAction[] = ["iot:Connect", "iot:Publish", "iot:RetainPublish", "iot:Subscribe", "iot:Receive"];

/** A device touches a handful of topics; a dashboard on a wildcard sees one per thing and channel.
 * Beyond this many remembered decisions the oldest go (memory per connection stays small). */
export const DEFAULT_DECISION_CACHE_SIZE = 256;

interface CompiledResource {
  pattern: string;
  test: (resource: string) => boolean;
}

interface CompiledStatement {
  effect: "Allow" | "Deny";
  /** `policy "name" Statement[i]`, as the interpreter reports it. */
  label: string;
  resources: CompiledResource[];
  /** The decision this statement gives per matching resource pattern, made once: every topic a
   * pattern matches gets the same one (the reason names the pattern, not the topic). */
  decisions: Array<AuthorizationDecision | undefined>;
}

export class CompiledPolicies {
  private readonly byAction = new Map<PolicyAction, CompiledStatement[]>();
  private readonly decisions = new Map<string, AuthorizationDecision>();
  /** Names of the policies, for a default deny's report. */
  readonly policyNames: readonly string[];

  constructor(
    policies: ReadonlyArray<PolicyDocument | NamedPolicy>,
    context: AuthorizationContext,
    private readonly cacheSize = DEFAULT_DECISION_CACHE_SIZE,
  ) {
    if (!Number.isInteger(cacheSize) || cacheSize < 0) throw new Error(`CompiledPolicies: cacheSize must be a whole number >= 0, got ${cacheSize}`);
    const variables = variableResolver(context);
    const names: string[] = [];
    for (const action of ACTIONS) this.byAction.set(action, []);
    policies.forEach((entry, p) => {
      const document = "document" in entry ? entry.document : entry;
      const label = "document" in entry ? `policy "${entry.name}"` : `policy #${p}`;
      if ("document" in entry) names.push(entry.name);
      // Stryker disable next-line ArrayDeclaration: equivalent: a placeholder statement that isn't an object has no Effect, so appliesAtAll drops it
      (document.Statement ?? []).forEach((statement, s) => {
        if (!appliesAtAll(statement)) return;
        const resources: CompiledResource[] = [];
        for (const pattern of asList(statement.Resource)) {
          const test = compilePattern(pattern, variables);
          if (test) resources.push({ pattern, test });
        }
        // Stryker disable next-line ConditionalExpression: equivalent: filed with no resources, the statement matches no request (findIndex is -1); skipping it only saves the scan
        if (resources.length === 0) return;
        const statementLabel = `${label} Statement[${s}]`;
        for (const action of ACTIONS) {
          // IAM action names are case-insensitive; resources are not.
          if (asList(statement.Action).some((pattern) => matchesPattern(pattern.toLowerCase(), action.toLowerCase()))) {
            this.byAction.get(action)!.push({ effect: statement.Effect, label: statementLabel, resources, decisions: [] });
          }
        }
      });
    });
    this.policyNames = names;
  }

  /** Same decision and reason as `evaluatePolicies(policies, { action, resource, context })`. */
  decide(action: PolicyAction, resource: string): AuthorizationDecision {
    const key = `${action} ${resource}`;
    const known = this.decisions.get(key);
    if (known) return known;
    const decision = this.evaluate(action, resource);
    if (this.cacheSize > 0) {
      if (this.decisions.size >= this.cacheSize) this.decisions.delete(this.decisions.keys().next().value!);
      this.decisions.set(key, decision);
    }
    return decision;
  }

  /** Remembered decisions (bounded by the cache size). */
  get cachedDecisions(): number {
    return this.decisions.size;
  }

  private evaluate(action: PolicyAction, resource: string): AuthorizationDecision {
    // An action name outside the five is what the interpreter matches against no statement.
    const statements = this.byAction.get(action) ?? [];
    let allowedBy: AuthorizationDecision | undefined;
    for (const statement of statements) {
      const matched = statement.resources.findIndex((r) => r.test(resource));
      if (matched < 0) continue;
      const decision = (statement.decisions[matched] ??= decisionOf(statement, action, statement.resources[matched].pattern));
      if (statement.effect === "Deny") return decision;
      allowedBy ??= decision;
    }
    return allowedBy ?? DEFAULT_DENY;
  }
}

const DEFAULT_DENY: AuthorizationDecision = { allowed: false, reason: DEFAULT_DENY_REASON };

function decisionOf(statement: CompiledStatement, action: PolicyAction, pattern: string): AuthorizationDecision {
  const where = `${statement.label} (${statement.effect} ${action} on ${pattern})`;
  return statement.effect === "Deny" ? { allowed: false, reason: `denied by ${where}` } : { allowed: true, reason: `allowed by ${where}` };
}

/** The interpreter's fail-closed rule for keys it doesn't evaluate (evaluate.ts), and effects
 * other than Allow/Deny (parsed JSON can hold anything) never decide. */
function appliesAtAll(statement: PolicyStatement): boolean {
  if (statement.Effect !== "Allow" && statement.Effect !== "Deny") return false;
  return !(statement.Effect === "Allow" && UNSUPPORTED_KEYS.some((key) => key in statement));
}
