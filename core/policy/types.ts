/** The subset of the IAM-style policy language that AWS IoT Core policies use and that snapfleet
 * generates: no Condition, NotAction or NotResource (the evaluator would have to guess at them). */
/** iot:RetainPublish is needed in addition to iot:Publish for a message with the RETAIN flag. */
export type PolicyAction = "iot:Connect" | "iot:Publish" | "iot:RetainPublish" | "iot:Subscribe" | "iot:Receive";

export interface PolicyStatement {
  Effect: "Allow" | "Deny";
  /** Action names or patterns (`iot:*`); matched case-insensitively like IAM. */
  Action: string[];
  /** Resource ARNs, with `*`/`?` wildcards and policy variables; matched case-sensitively. */
  Resource: string[];
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** A policy as AWS stores it: the name is what gets attached to a certificate. */
export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}
