/** The AWS IoT Device Shadow MQTT topics ("Device Shadow MQTT topics",
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html): a named shadow's
 * prefix is `$aws/things/{thing}/shadow/name/{shadow}`, the classic shadow's
 * `$aws/things/{thing}/shadow`; requests `get`, `update`, `delete`, answered on `/accepted` and
 * `/rejected`, plus `update/delta` and `update/documents`. */
export type ShadowOperation = "get" | "update" | "delete";
export type ShadowResponse = "accepted" | "rejected" | "delta" | "documents";

/** Named shadow names: "[a-zA-Z0-9:_-]+", at most 64 characters (AWS IoT, "Device Shadow service
 * quotas": https://docs.aws.amazon.com/general/latest/gr/iot-core.html#device-shadow-limits). */
export const SHADOW_NAME_PATTERN = /^[a-zA-Z0-9:_-]{1,64}$/;

export function shadowPrefix(thing: string, shadow?: string): string {
  return shadow === undefined ? `$aws/things/${thing}/shadow` : `$aws/things/${thing}/shadow/name/${shadow}`;
}

export const shadowTopics = {
  request: (thing: string, shadow: string | undefined, op: ShadowOperation) => `${shadowPrefix(thing, shadow)}/${op}`,
  response: (thing: string, shadow: string | undefined, op: ShadowOperation, response: ShadowResponse) => `${shadowPrefix(thing, shadow)}/${op}/${response}`,
};

export interface ParsedShadowTopic {
  thing: string;
  /** undefined: the classic (unnamed) shadow. */
  shadow: string | undefined;
  op: ShadowOperation;
  /** undefined: a request. */
  response?: ShadowResponse;
}

const OPS: readonly string[] = ["get", "update", "delete"];
const RESPONSES: Record<ShadowOperation, readonly string[]> = { get: ["accepted", "rejected"], update: ["accepted", "rejected", "delta", "documents"], delete: ["accepted", "rejected"] };

/** Inverse of shadowTopics; undefined for anything else (other `$aws` topics included). */
export function parseShadowTopic(topic: string): ParsedShadowTopic | undefined {
  const parts = topic.split("/");
  if (parts[0] !== "$aws" || parts[1] !== "things" || !parts[2] || parts[3] !== "shadow") return undefined;
  let rest = parts.slice(4);
  let shadow: string | undefined;
  if (rest[0] === "name") {
    shadow = rest[1];
    if (!shadow) return undefined;
    rest = rest.slice(2);
  }
  const [op, response, extra] = rest;
  if (!OPS.includes(op) || extra !== undefined) return undefined;
  if (response === undefined) return { thing: parts[2], shadow, op: op as ShadowOperation };
  if (!RESPONSES[op as ShadowOperation].includes(response)) return undefined;
  return { thing: parts[2], shadow, op: op as ShadowOperation, response: response as ShadowResponse };
}
