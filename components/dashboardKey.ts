/** The HMAC key of dashboard tokens, made once and kept: a dynamic resource whose create draws 32
 * random bytes and whose output Pulumi stores encrypted (additionalSecretOutputs). Why not a
 * random value in an apply: that would change on every `pulumi up` and log everyone out, and
 * `@pulumi/random` is not a dependency. Replacing this resource (pulumi up --replace) rotates
 * the key and revokes every dashboard link minted before. */
import * as pulumi from "@pulumi/pulumi";
import { withLegacyType } from "./legacyType";

interface DashboardKeyInputs {
  app: string;
}
interface DashboardKeyOutputs extends DashboardKeyInputs {
  key: string;
}

export class DashboardKey extends pulumi.dynamic.Resource {
  /** base64url of 32 random bytes (core/contracts/dashboardToken.ts decodeDashboardKey); secret. */
  declare readonly key: pulumi.Output<string>;

  constructor(name: string, args: { app: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
    // Token `pulumi-nodejs:dynamic/snapfleet:DashboardKey`; the alias keeps the key of stacks
    // deployed under the old token (replacing it would log every dashboard out).
    const options = withLegacyType({ ...opts, additionalSecretOutputs: ["key"] }, "pulumi-nodejs:dynamic/snapfleet:dashboard:DashboardKey:Resource");
    super(dashboardKeyProvider, name, { ...args, key: undefined }, options, "snapfleet", "DashboardKey");
  }
}

export const dashboardKeyProvider: pulumi.dynamic.ResourceProvider<DashboardKeyInputs, DashboardKeyOutputs> = {
  async create(inputs) {
    const { randomBytes } = require("node:crypto") as typeof import("node:crypto");
    return { id: `${inputs.app}-dashboard-key`, outs: { app: inputs.app, key: randomBytes(32).toString("base64url") } };
  },
  // Only `app` is an input and it names the key, so there is nothing to update in place.
  async diff(_id, olds, news) {
    return { changes: olds.app !== news.app, replaces: olds.app !== news.app ? ["app"] : [] };
  },
};
