/** Policies of the local cloud's own services (certificates from `pki.serviceIdentity(name)`).
 * They go through the same evaluator as devices and dashboards, so a service can do exactly what
 * its document says: a bug in the jobs service can't write a device's `down` topic. On AWS these
 * services are AWS itself (IoT Jobs) or Lambda behind IoT rules, and need no MQTT policy. */
import {
  assertPolicyFits,
  clientArn,
  dashboardPolicyDocument,
  dashboardPolicyName,
  dashboardSettingsPolicyDocument,
  serverPolicyDocument,
  serverSettingsPolicyDocument,
  type PolicyDocument,
  serverPolicyName,
  topicArn,
  topicFilterArn,
  type NamedPolicy,
  type ServerPolicyArgs,
} from "../../core/policy";

/** Client ids of services start with `_`, a character thing names can't contain, so no device
 * can take over a service's session (or the other way round) by reusing its client id. */
export function serviceClientIdPrefix(serviceName: string): string {
  return `_svc-${serviceName}`;
}

/** Names of the services the broker knows; any other service certificate is refused at connect. */
export const SERVICE_NAMES = ["jobs", "server", "dashboard"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function jobsServicePolicyName(app: string): string {
  return `sf-${app}-local-jobs`;
}

/** `server` and `dashboard` reuse the documents AWS gets (the dev server host and a Node dashboard
 * client behave like their deployed counterparts, client ids included); `jobs` plays AWS IoT Jobs. */
export function servicePolicyDocuments(serviceName: string, args: ServerPolicyArgs): NamedPolicy[] {
  switch (serviceName) {
    case "jobs":
      return [jobsServicePolicy(args)];
    case "server":
      return withSettings({ name: serverPolicyName(args.app), document: serverPolicyDocument(args) }, serverSettingsPolicyDocument(args));
    case "dashboard":
      return withSettings({ name: dashboardPolicyName(args.app), document: dashboardPolicyDocument(args) }, dashboardSettingsPolicyDocument(args));
    default:
      return []; // default deny: not even iot:Connect
  }
}

/** The settings shadows' rights come as a second policy (core/policy/documents.ts). */
function withSettings(main: NamedPolicy, settings: PolicyDocument | undefined): NamedPolicy[] {
  return settings ? [main, { name: `${main.name}-settings`, document: settings }] : [main];
}

/** The Jobs MQTT API from the service side: it hears every thing's requests and answers on
 * `accepted`/`rejected`/`notify*`. `*` in the thing level covers `+` in its subscription filter
 * (`$aws/things/+/jobs/#`), since `+` and `#` are literal characters in policies. */
function jobsServicePolicy({ app, region, account }: ServerPolicyArgs): NamedPolicy {
  const jobs = "$aws/things/*/jobs/*";
  const policy: NamedPolicy = {
    name: jobsServicePolicyName(app),
    document: {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["iot:Connect"], Resource: [clientArn(region, account, `${serviceClientIdPrefix("jobs")}*`)] },
        { Effect: "Allow", Action: ["iot:Subscribe"], Resource: [topicFilterArn(region, account, jobs)] },
        { Effect: "Allow", Action: ["iot:Publish", "iot:Receive"], Resource: [topicArn(region, account, jobs)] },
      ],
    },
  };
  assertPolicyFits(policy);
  return policy;
}
