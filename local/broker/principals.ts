/** Who is on the other end of a broker connection, and which policies apply to them. Policies
 * are looked up per decision (not stored per session) so `reloadManifest` takes effect at once
 * for connected clients too, as a policy version change does on AWS. */
import type { Manifest } from "../../core/contracts/manifest";
import type { DashboardRole } from "../../core/contracts/dashboardRoles";
import {
  dashboardPolicyDocument,
  dashboardPolicyName,
  dashboardSettingsPolicyDocument,
  devicePolicyDocuments,
  type AuthorizationContext,
  type NamedPolicy,
  type PolicyDocument,
  type PolicyScope,
} from "../../core/policy";
import { claimPolicy } from "../../core/provisioning/claimPolicy";
import { servicePolicyDocuments } from "./servicePolicies";

export type Principal =
  /** A registered certificate. `thingName` is set only when the client id names one of its
   * attached things (what `${iot:Connection.Thing.ThingName}` resolves to on AWS). */
  | { kind: "thing"; thingName: string | undefined; attachedThings: readonly string[] }
  | { kind: "service"; serviceName: string }
  | { kind: "dashboard"; expiresAt: number; role: DashboardRole }
  /** A board with its batch's provisioning claim certificate (fleet provisioning by claim). */
  | { kind: "claim"; batch: string };

export function describePrincipal(principal: Principal): string {
  switch (principal.kind) {
    case "thing":
      return principal.thingName !== undefined
        ? `thing "${principal.thingName}"`
        : `certificate of ${principal.attachedThings.map((t) => `thing "${t}"`).join(", ")} (client id names none of them)`;
    case "service":
      return `service "${principal.serviceName}"`;
    case "dashboard":
      return principal.role === "viewer" ? "dashboard" : `dashboard (${principal.role})`;
    case "claim":
      return `claim of batch "${principal.batch}"`;
  }
}

/** The evaluator's context: only a thing certificate connected with its thing's name as client id
 * resolves `${iot:Connection.Thing.ThingName}`. */
export function authorizationContext(principal: Principal, clientId: string): AuthorizationContext {
  // Stryker disable next-line ConditionalExpression: equivalent: a thingName of undefined in the context is the same as none (evaluate.ts variableResolver: the variable resolves to nothing either way)
  return principal.kind === "thing" && principal.thingName !== undefined ? { thingName: principal.thingName, clientId } : { clientId };
}

/** Documents for one manifest, built by the same core functions the AWS components call. */
export class PolicyBook {
  readonly device: readonly NamedPolicy[];
  readonly dashboard: readonly NamedPolicy[];
  /** The operator's dashboard policy: the viewer's plus the operator-only topics (core/contracts/dashboardRoles.ts). */
  readonly operatorDashboard: readonly NamedPolicy[];
  readonly claim: readonly NamedPolicy[];
  private readonly services = new Map<string, readonly NamedPolicy[]>();

  constructor(
    private readonly scope: PolicyScope,
    readonly manifest: Manifest,
    /** Channels devices keep a publish-only right on (core/policy/retiredChannels.ts). */
    readonly retired: readonly string[] = [],
  ) {
    const args = { ...scope, channels: manifest.channels, settings: manifest.settings };
    // Device documents use the thing-name variable, so one set serves every thing.
    this.device = devicePolicyDocuments({ ...args, retired });
    // Only operators may change settings: the viewer's settings policy is the read half (documents.ts).
    const settingsPolicy = (name: string, document: PolicyDocument | undefined) => (document ? [{ name, document }] : []);
    this.dashboard = [{ name: dashboardPolicyName(scope.app), document: dashboardPolicyDocument(args) }, ...settingsPolicy(`${dashboardPolicyName(scope.app)}-settings`, dashboardSettingsPolicyDocument(args))];
    this.operatorDashboard = [
      { name: `${dashboardPolicyName(scope.app)}-operator`, document: dashboardPolicyDocument({ ...args, role: "operator" }) },
      ...settingsPolicy(`${dashboardPolicyName(scope.app)}-settings-operator`, dashboardSettingsPolicyDocument({ ...args, role: "operator" })),
    ];
    this.claim = [claimPolicy(scope)];
  }

  policiesFor(principal: Principal): readonly NamedPolicy[] {
    if (principal.kind === "thing") return this.device;
    if (principal.kind === "dashboard") return principal.role === "operator" ? this.operatorDashboard : this.dashboard;
    if (principal.kind === "claim") return this.claim;
    let policies = this.services.get(principal.serviceName);
    // Stryker disable next-line ConditionalExpression: equivalent: rebuilding a service's documents each time gives the same documents, only slower
    if (!policies) {
      policies = servicePolicyDocuments(principal.serviceName, { ...this.scope, channels: this.manifest.channels, settings: this.manifest.settings });
      this.services.set(principal.serviceName, policies);
    }
    return policies;
  }
}
