/** The device fleet: a thing group (the OTA job's target), and per device a thing, an
 * AWS-generated certificate (the device identity; MQTT client id = thing name) attached to the
 * thing exclusively, the device policies attached to the certificate, and group membership. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { stageGroupName, stageOfThing, type RolloutStage } from "../core/jobs/stagedRollout";

/** A device policy with the name AWS knows it by (known before deployment: it names attachments). */
export interface DevicePolicy {
  name: string;
  resource: aws.iot.Policy;
}

export interface FleetArgs {
  app: string;
  thingGroup: string;
  devices: readonly string[];
  /** The base policy first (see the alias below). */
  policies: readonly DevicePolicy[];
  /** Checked `ota.stages`: one thing group per stage, each device in the one its name hashes to. */
  stages?: readonly RolloutStage[];
}

export interface DeviceCredentials {
  certificatePem: string;
  privateKey: string;
}

export class Fleet extends pulumi.ComponentResource {
  readonly group: aws.iot.ThingGroup;
  readonly things: aws.iot.Thing[];
  /** With stages: `<group>-stage-1`, `-2`, …, the staged OTA job's targets (docs/staged-rollouts.md). */
  readonly stageGroups: aws.iot.ThingGroup[];
  /** Per device; secret (it holds private keys). */
  readonly credentials: pulumi.Output<Record<string, DeviceCredentials>>;

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:iot:Fleet", name, {}, opts);
    const parent = { parent: this };
    this.group = new aws.iot.ThingGroup(`${name}-group`, { name: args.thingGroup, tags: { "snapfleet:app": args.app } }, parent);
    const stages = args.stages ?? [];
    // Separate groups, not children of the fleet's: a job on a parent group would reach its children's things too.
    this.stageGroups = stages.map((_, i) => new aws.iot.ThingGroup(`${name}-stage-${i + 1}`, { name: stageGroupName(args.thingGroup, i), tags: { "snapfleet:app": args.app } }, parent));
    const credentials: Record<string, pulumi.Output<DeviceCredentials>> = {};
    this.things = args.devices.map((device) => {
      const thing = new aws.iot.Thing(`${name}-${device}`, { name: device, attributes: { app: args.app } }, parent);
      // No CSR: AWS makes the key pair and returns the private key once; Pulumi keeps it encrypted.
      const certificate = new aws.iot.Certificate(`${name}-${device}-cert`, { active: true }, { ...parent, additionalSecretOutputs: ["privateKey"] });
      // Exclusive: the certificate can belong to this thing only, so `${iot:Connection.Thing.ThingName}` is unambiguous.
      new aws.iot.ThingPrincipalAttachment(`${name}-${device}-principal`, { thing: thing.name, principal: certificate.arn, thingPrincipalType: "EXCLUSIVE_THING" }, parent);
      // Named by what they attach (policy + thing), never by list position: a position-named
      // attachment would be replaced when a policy before it goes away, and the replacement's
      // delete (DetachPolicy) would take away a pair the new attachment thinks it holds.
      args.policies.forEach((policy, i) => {
        // Before attachments were named by policy, the base policy's was "policy-0": keep its
        // identity, or the upgrade itself would detach the base policy from every device.
        const aliases = i === 0 ? [{ name: `${name}-${device}-policy-0` }] : [];
        new aws.iot.PolicyAttachment(`${name}-${device}-${policy.name}`, { policy: policy.resource.name, target: certificate.arn }, { ...parent, aliases });
      });
      new aws.iot.ThingGroupMembership(`${name}-${device}-member`, { thingName: thing.name, thingGroupName: this.group.name }, parent);
      if (stages.length) {
        new aws.iot.ThingGroupMembership(`${name}-${device}-stage`, { thingName: thing.name, thingGroupName: this.stageGroups[stageOfThing(device, stages)].name }, parent);
      }
      credentials[device] = pulumi.secret(pulumi.all({ certificatePem: certificate.certificatePem, privateKey: certificate.privateKey })) as unknown as pulumi.Output<DeviceCredentials>;
      return thing;
    });
    this.credentials = pulumi.secret(pulumi.all(credentials));
    this.registerOutputs({ thingGroupArn: this.group.arn, credentials: this.credentials });
  }
}
