/** Dynamic resources were once registered with a malformed type token
 * (`pulumi-nodejs:dynamic/snapfleet:ota:OtaJob:Resource`: a module of "snapfleet:ota:OtaJob" and
 * the default type "Resource"). A type change alone would make Pulumi replace the resource; an
 * alias with the old type tells it the resource is the same one. */
import type * as pulumi from "@pulumi/pulumi";

export function withLegacyType(opts: pulumi.CustomResourceOptions | undefined, legacyType: string): pulumi.CustomResourceOptions {
  return { ...opts, aliases: [...(opts?.aliases ?? []), { type: legacyType }] };
}
