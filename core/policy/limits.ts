import type { NamedPolicy, PolicyDocument } from "./types";

/** AWS IoT Core security quotas (AWS IoT developer guide, "Security and Identity Limits"). */
export const MAX_POLICY_DOCUMENT_CHARS = 2048;
export const MAX_POLICIES_PER_CERTIFICATE = 10;
/** AttachPolicy: policyName is 1-128 characters of [\w+=,.@-]. */
export const MAX_POLICY_NAME_CHARS = 128;
const POLICY_NAME_PATTERN = /^[\w+=,.@-]+$/;

/** Size as AWS counts it: characters excluding white space. */
export function policyDocumentSize(document: PolicyDocument): number {
  return JSON.stringify(document).replace(/\s/g, "").length;
}

/** Throws when AWS would refuse to create the policy, naming it, so the error shows up at
 * build time instead of halfway through a deployment. */
export function assertPolicyFits(policy: NamedPolicy): void {
  const { name, document } = policy;
  if (name.length > MAX_POLICY_NAME_CHARS || !POLICY_NAME_PATTERN.test(name)) {
    throw new Error(
      `IoT policy name "${name}" is invalid: AWS allows 1-${MAX_POLICY_NAME_CHARS} characters of letters, digits and +=,.@_- ` +
        `(it has ${name.length}); shorten the app or channel name`,
    );
  }
  const size = policyDocumentSize(document);
  if (size > MAX_POLICY_DOCUMENT_CHARS) {
    throw new Error(
      `IoT policy "${name}" is ${size} characters (white space excluded); AWS allows at most ${MAX_POLICY_DOCUMENT_CHARS}. ` +
        `Shorten the app, channel or thing names, or list fewer things`,
    );
  }
}
