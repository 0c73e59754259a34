/** The retired channels on AWS (core/policy/retiredChannels.ts): a Pulumi dynamic resource whose
 * state keeps the channels of the build deployed last and the retired set, so the next
 * `pulumi up` decides the set against the build the fleet still runs, by the same function the
 * local cloud calls. Nothing on AWS is created: the set only feeds the device policies
 * (FeatureApp → devicePolicyDocuments' `retired`).
 *
 * The set is decided in check(), which sees the old inputs and the new ones, and kept among the
 * inputs: a dynamic resource's outputs during a preview are its checked inputs, so the preview
 * shows the documents `pulumi up` will write. update() decides it again from the state (olds)
 * with the same function, which gives the same set. A stack deployed before this resource
 * existed has no previous channels in its state: its first run retires nothing.
 *
 * Serialized into the state with its closure like every dynamic provider (otaJob.ts): it captures
 * only plain functions. */
import * as pulumi from "@pulumi/pulumi";
import type { ChannelDecl } from "../core/contracts/manifest";
import { retiredChannels, type ChannelShape } from "../core/policy/retiredChannels";

export interface RetiredChannelsProps {
  app: string;
  /** The channels of the build being deployed (name and direction: what decides the rights). */
  channels: ChannelShape[];
  /** Decided by check(); an input only so that it is known during a preview. */
  retired?: string[];
}

export class RetiredChannelsState extends pulumi.dynamic.Resource {
  declare readonly retired: pulumi.Output<string[]>;
  declare readonly channels: pulumi.Output<ChannelShape[]>;

  constructor(name: string, args: { app: string; channels: readonly ChannelDecl[] }, opts?: pulumi.CustomResourceOptions) {
    const channels = args.channels.map(({ name, direction }) => ({ name, direction }));
    // Token `pulumi-nodejs:dynamic/snapfleet:RetiredChannels` (see otaJob.ts).
    super(retiredChannelsProvider(), name, { app: args.app, channels, retired: undefined }, opts, "snapfleet", "RetiredChannels");
  }
}

export function retiredChannelsProvider(): pulumi.dynamic.ResourceProvider<RetiredChannelsProps, RetiredChannelsProps> {
  return {
    async check(olds, news) {
      // On create, olds is empty: a first deploy has no previous build, so nothing is retired.
      const previous = Array.isArray(olds?.channels) ? olds.channels : undefined;
      return { inputs: { ...news, retired: retiredChannels(previous, news.channels, olds?.retired ?? []) } };
    },

    async diff(_id, olds, news) {
      const same = JSON.stringify(olds.channels) === JSON.stringify(news.channels) && JSON.stringify(olds.retired ?? []) === JSON.stringify(news.retired ?? []);
      return { changes: !same, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs) {
      return { id: `${inputs.app}-retired-channels`, outs: { ...inputs, retired: inputs.retired ?? [] } };
    },

    async update(_id, olds, news) {
      return { outs: { ...news, retired: retiredChannels(olds.channels, news.channels, olds.retired ?? []) } };
    },
  };
}
