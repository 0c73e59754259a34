/** The AWS IoT fleet provisioning MQTT API ("Device provisioning MQTT API",
 * https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html), as the local
 * cloud serves it and the device speaks it: topics, names and payload shapes. JSON payloads only
 * (`payload-format` json; AWS also takes cbor). */

/** `$aws/certificates/create/json`: CreateKeysAndCertificate, "with an empty message payload". */
export const CREATE_KEYS_TOPIC = "$aws/certificates/create/json";

/** `$aws/provisioning-templates/{templateName}/provision/json`: RegisterThing. */
export function registerThingTopic(templateName: string): string {
  return `$aws/provisioning-templates/${templateName}/provision/json`;
}

/** The template name a RegisterThing topic names, or undefined for any other topic. */
export function templateOfRegisterTopic(topic: string): string | undefined {
  const match = /^\$aws\/provisioning-templates\/([^/]+)\/provision\/json$/.exec(topic);
  return match?.[1];
}

/** The one template snapfleet makes per app (local and AWS). */
export function provisioningTemplateName(app: string): string {
  return `sf-${app}-claim`;
}

/** The RegisterThing parameter that names the board (its serial number); it becomes the thing name. */
export const SERIAL_PARAMETER = "SerialNumber";

/** "the certificateOwnershipToken returned by CreateKeysAndCertificate expires after one hour". */
export const OWNERSHIP_TOKEN_TTL_MS = 60 * 60 * 1000;

export interface CreateKeysAndCertificateResponse {
  certificateId: string;
  certificatePem: string;
  privateKey: string;
  certificateOwnershipToken: string;
}

export interface RegisterThingRequest {
  certificateOwnershipToken: string;
  parameters?: Record<string, string>;
}

export interface RegisterThingResponse {
  deviceConfiguration: Record<string, string>;
  thingName: string;
}

/** The error payload of every `/rejected` topic: `{statusCode, errorCode, errorMessage}`. */
export interface ProvisioningError {
  statusCode: number;
  errorCode: string;
  errorMessage: string;
}
