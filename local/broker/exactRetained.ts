/** AWS IoT Core delivers a retained message on SUBSCRIBE only when the subscription's topic
 * filter is exactly the retained message's topic; a filter with a wildcard gets none ("Retained
 * messages", https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-retain). aedes,
 * like the MQTT specification, delivers every retained message a filter matches, which hid that a
 * dashboard discovering devices through `sf/{app}/+/_status` finds none on AWS.
 *
 * aedes asks its persistence for the retained messages of a new subscription's filters with one
 * call, `createRetainedStreamCombi(filters)`, and nothing else uses it: wrapping that call on the
 * broker's persistence (whichever implementation it is) keeps only the wildcard-free filters.
 * Live messages on a wildcard subscription still arrive, retained flag cleared, as on AWS. */
import { Readable } from "node:stream";
import type { Aedes } from "aedes";

export function isExactTopicFilter(filter: string): boolean {
  return !filter.includes("+") && !filter.includes("#");
}

export function deliverRetainedOnExactMatchOnly(aedes: Aedes): void {
  // `persistence` is public in aedes but missing from its type declarations.
  const persistence = (aedes as unknown as { persistence: { createRetainedStreamCombi(patterns: string[]): Readable } }).persistence;
  const combined = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.createRetainedStreamCombi = (patterns: string[]) => {
    const exact = patterns.filter(isExactTopicFilter);
    return exact.length > 0 ? combined(exact) : Readable.from([]);
  };
}
