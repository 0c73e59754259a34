/** Packs per-channel device rights into as few IoT policy documents as fit AWS's limits.
 *
 * Why: AWS attaches at most 10 policies to a certificate, and each document is at most 2,048
 * characters, white space excluded ("policyDocument must have a minimum length of 1, with a
 * maximum length of 2048, excluding whitespace":
 * https://docs.aws.amazon.com/iot/latest/apireference/API_CreatePolicy.html; 10 policies per
 * certificate: https://docs.aws.amazon.com/general/latest/gr/iot-core.html#security-limits).
 * One policy per channel stopped at 9 channels; packed, a realistic app fits dozens.
 *
 * How, and why this way: next-fit in declaration order. A document takes the next channel while
 * it still fits, otherwise a new document starts. The result depends only on the channels (same
 * app, byte-identical documents), and a channel added at the end touches only the last document
 * (or adds one), so a rollout that adds a channel re-versions one policy, not all of them. */
import { MAX_POLICIES_PER_CERTIFICATE, MAX_POLICY_DOCUMENT_CHARS, policyDocumentSize } from "./limits";
import type { NamedPolicy, PolicyAction, PolicyDocument, PolicyStatement } from "./types";

/** The rights one channel gives a device: resources per action, in a fixed order. */
export interface ChannelGrant {
  channel: string;
  grants: ReadonlyArray<{ actions: readonly PolicyAction[]; resources: readonly string[] }>;
}

export interface PackOptions {
  app: string;
  /** Name of the i-th packed document (0-based). */
  policyName: (index: number) => string;
  /** Policies the certificate carries besides the packed ones (the base policy). */
  otherPolicies: number;
  /** How many of the grants are retired channels' (retiredChannels.ts), for the error's words. */
  retired?: number;
}

/** Statements of a packed document: one per action list (in first-seen order), resources in
 * channel order. */
export function packedDocument(channels: readonly ChannelGrant[]): PolicyDocument {
  const byActions = new Map<string, { actions: PolicyAction[]; resources: string[] }>();
  for (const { grants } of channels) {
    for (const { actions, resources } of grants) {
      if (resources.length === 0) continue;
      const key = actions.join(",");
      const entry = byActions.get(key) ?? { actions: [...actions], resources: [] };
      entry.resources.push(...resources);
      byActions.set(key, entry);
    }
  }
  const statements: PolicyStatement[] = [...byActions.values()].map(({ actions, resources }) => ({ Effect: "Allow", Action: actions, Resource: resources }));
  return { Version: "2012-10-17", Statement: statements };
}

/** Throws, saying what to do, when one channel alone is too big or the documents would need more
 * policies than a certificate can carry; both are found at build/preview time. */
export function packChannelGrants(channels: readonly ChannelGrant[], options: PackOptions): NamedPolicy[] {
  const groups: ChannelGrant[][] = [];
  let current: ChannelGrant[] = [];
  for (const channel of channels) {
    if (!channel.grants.some((g) => g.resources.length > 0)) continue;
    const alone = policyDocumentSize(packedDocument([channel]));
    if (alone > MAX_POLICY_DOCUMENT_CHARS) {
      throw new Error(
        `channel "${channel.channel}" of app "${options.app}" alone needs a ${alone}-character IoT policy; AWS allows ${MAX_POLICY_DOCUMENT_CHARS} (white space excluded). ` +
          `Shorten the app or channel name`,
      );
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: with `current` empty the document is the channel alone, which fits (checked just above), so the size test is false anyway
    if (current.length > 0 && policyDocumentSize(packedDocument([...current, channel])) > MAX_POLICY_DOCUMENT_CHARS) {
      groups.push(current);
      current = [];
    }
    current.push(channel);
  }
  if (current.length > 0) groups.push(current);

  const total = groups.length + options.otherPolicies;
  if (total > MAX_POLICIES_PER_CERTIFICATE) {
    const retired = options.retired ?? 0;
    const used = channels.length - retired;
    const declares = retired > 0 ? `declares ${used} channels and keeps devices the right to publish on ${retired} retired ones (README, "Renaming a channel")` : `declares ${used} channels`;
    const fitting = groups.slice(0, MAX_POLICIES_PER_CERTIFICATE - options.otherPolicies).reduce((n, g) => n + g.length, 0);
    throw new Error(
      `app "${options.app}" ${declares}; their device rights fill ${groups.length} IoT policies of at most ${MAX_POLICY_DOCUMENT_CHARS} characters, ` +
        `plus ${options.otherPolicies} base policy makes ${total}, and AWS attaches at most ${MAX_POLICIES_PER_CERTIFICATE} policies to a certificate. ` +
        `With these names ${fitting} channels fit${retired > 0 ? ", retired ones included: take fewer channels away in one build (rename some now, the rest in the next build, once the retired rights lapse)," : ":"} ` +
        `declare fewer channels (one channel can carry several kinds of message), or shorten the app and channel names ` +
        `(every channel name appears in up to 5 topic ARNs)`,
    );
  }
  return groups.map((group, i) => ({ name: options.policyName(i), document: packedDocument(group) }));
}
