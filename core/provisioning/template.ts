/** The fleet provisioning template snapfleet makes on AWS ("Provisioning templates",
 * https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html): a thing named by
 * the board's serial (`SerialNumber`, checked by the pre-provisioning hook), in the fleet's thing
 * group (and, with staged rollouts, the stage group the hook names in `StageGroup`), the new
 * certificate activated, and the device policies attached by name, the same ones a device made by
 * `fleet.devices` gets. The local cloud does the same in local/provisioning/. */
import { SERIAL_PARAMETER } from "./claimApi";
import { STAGE_GROUP_PARAMETER } from "./approval";

export interface TemplateArgs {
  app: string;
  thingGroup: string;
  /** Device policy names (base first), as ChannelPolicies names them. */
  policyNames: readonly string[];
  /** With `ota.stages`: the thing also joins the stage group the hook chose. */
  staged: boolean;
}

export function provisioningTemplateBody({ app, thingGroup, policyNames, staged }: TemplateArgs): string {
  const policies = Object.fromEntries(policyNames.map((name, i) => [`policy${i}`, { Type: "AWS::IoT::Policy", Properties: { PolicyName: name } }]));
  return JSON.stringify({
    Parameters: {
      [SERIAL_PARAMETER]: { Type: "String" },
      "AWS::IoT::Certificate::Id": { Type: "String" },
      ...(staged ? { [STAGE_GROUP_PARAMETER]: { Type: "String" } } : {}),
    },
    Resources: {
      thing: {
        Type: "AWS::IoT::Thing",
        OverrideSettings: { AttributePayload: "MERGE", ThingGroups: "MERGE" },
        Properties: {
          ThingName: { Ref: SERIAL_PARAMETER },
          AttributePayload: { app },
          ThingGroups: staged ? [thingGroup, { Ref: STAGE_GROUP_PARAMETER }] : [thingGroup],
        },
      },
      certificate: { Type: "AWS::IoT::Certificate", Properties: { CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" } },
      ...policies,
    },
  });
}
