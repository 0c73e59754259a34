/** The policy of a batch's claim certificate: it may connect as `sf-{app}-claim-*` and use the
 * fleet provisioning API of the app's template, nothing else. AWS's example claim policy
 * (https://docs.aws.amazon.com/iot/latest/developerguide/provision-wo-cert.html#claim-based)
 * allows any client id and publish/receive on `$aws/certificates/create/*`; this one is narrower:
 * the client id can't be a device's (so a claim can't kick a device off), the claim publishes only
 * the two requests and receives only their answers (so it can't forge an `accepted` for another
 * board). The same document is attached on AWS and evaluated by the local broker. */
import { clientArn, topicArn, topicFilterArn } from "../policy/arn";
import { claimClientIdPrefix } from "../policy/clientIds";
import { assertPolicyFits } from "../policy/limits";
import type { NamedPolicy, PolicyScope } from "../policy";
import { CREATE_KEYS_TOPIC, provisioningTemplateName, registerThingTopic } from "./claimApi";

export function claimPolicyName(app: string): string {
  return `sf-${app}-claim`;
}

export function claimPolicy({ app, region, account }: PolicyScope): NamedPolicy {
  const register = registerThingTopic(provisioningTemplateName(app));
  const answers = [`${CREATE_KEYS_TOPIC}/accepted`, `${CREATE_KEYS_TOPIC}/rejected`, `${register}/accepted`, `${register}/rejected`];
  const policy: NamedPolicy = {
    name: claimPolicyName(app),
    document: {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["iot:Connect"], Resource: [clientArn(region, account, `${claimClientIdPrefix(app)}*`)] },
        { Effect: "Allow", Action: ["iot:Publish"], Resource: [topicArn(region, account, CREATE_KEYS_TOPIC), topicArn(region, account, register)] },
        { Effect: "Allow", Action: ["iot:Subscribe"], Resource: answers.map((t) => topicFilterArn(region, account, t)) },
        { Effect: "Allow", Action: ["iot:Receive"], Resource: answers.map((t) => topicArn(region, account, t)) },
      ],
    },
  };
  assertPolicyFits(policy);
  return policy;
}
