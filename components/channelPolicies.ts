/** The IoT policies of an app's devices: one base policy and the channels' rights packed into as
 * few documents as fit (core/policy/packing.ts), made by the same
 * core function whose documents the local broker enforces (core/policy), so what is tested
 * locally is what AWS gets. Also names each channel's topic pair for other infrastructure
 * (topic rules, alarms) to use. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ChannelDecl } from "../core/contracts/manifest";
import type { NamedPolicy } from "../core/policy";
import { topics } from "../core/contracts/topics";
import type { DevicePolicy } from "./fleet";

export interface ChannelPoliciesArgs {
  app: string;
  channels: readonly ChannelDecl[];
  /** devicePolicyDocuments(...) */
  policies: readonly NamedPolicy[];
}

export interface ChannelTopics {
  /** Devices publish here; `+` stands for the thing name (a filter for rules and subscribers). */
  up: string;
  down: string;
  broadcastDown: string;
}

export function channelTopics(app: string, channel: string): ChannelTopics {
  return { up: topics.up(app, "+", channel), down: topics.down(app, "+", channel), broadcastDown: topics.broadcastDown(app, channel) };
}

export class ChannelPolicies extends pulumi.ComponentResource {
  readonly policies: DevicePolicy[];
  readonly topics: Record<string, ChannelTopics>;

  constructor(name: string, args: ChannelPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:iot:ChannelPolicies", name, {}, opts);
    this.policies = args.policies.map((policy) => ({
      name: policy.name,
      resource: new aws.iot.Policy(policy.name, { name: policy.name, policy: JSON.stringify(policy.document) }, { parent: this }),
    }));
    this.topics = Object.fromEntries(args.channels.map((channel) => [channel.name, channelTopics(args.app, channel.name)]));
    this.registerOutputs({ topics: this.topics });
  }
}
