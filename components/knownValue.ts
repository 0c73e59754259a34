/** The plain value of an output, for a component that must know it while it declares resources
 * (how many of them there are). Undefined when the value is unknown, as an output computed by a
 * resource being created or updated can be during a preview: awaiting it then would never end. */
import type * as pulumi from "@pulumi/pulumi";

export async function knownValue<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  // Output's own promises (internal to @pulumi/pulumi, as testing/mockAws.ts's valueOf uses them).
  const internal = output as unknown as { isKnown: Promise<boolean>; promise(): Promise<T> };
  if (!(await internal.isKnown)) return undefined;
  return internal.promise();
}
