/** What a certificate's subject says about its holder. The organizational unit tells the kinds
 * apart, so a thing can't be named like a service (or `localhost`) to borrow its rights. */
export const ORGANIZATION = "snapfleet";
export const THING_UNIT = "snapfleet-thing";
export const SERVICE_UNIT = "snapfleet-service";
export const SERVER_UNIT = "snapfleet-server";
/** A batch's provisioning claim (fleet provisioning by claim): may only ask for its own identity. */
export const CLAIM_UNIT = "snapfleet-claim";
export const CA_UNIT = "snapfleet-ca";

/** Also in the SAN, so tools that ignore the subject still see which thing a certificate is for. */
export const thingUri = (thingName: string) => `urn:snapfleet:thing:${thingName}`;
export const serviceUri = (serviceName: string) => `urn:snapfleet:service:${serviceName}`;
export const claimUri = (batch: string) => `urn:snapfleet:claim:${batch}`;
