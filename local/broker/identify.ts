/** Who a new MQTT connection belongs to. The listeners record where each connection came from
 * (and, for mutual TLS, the verified certificate identity) before handing it to aedes; the
 * authenticate hook then turns that plus the CONNECT credentials into a principal. */
import type { PeerIdentity } from "../certificates";
import type { DashboardTokens } from "./dashboardTokens";
import type { Principal } from "./principals";

export type ConnectionOrigin =
  | { transport: "mqtts"; identity: PeerIdentity | undefined; /** SHA-256 of the client certificate, as the registry keys it. */ certificateFingerprint?: string }
  | { transport: "websocket" };

/** CONNACK return codes of MQTT 3.1.1 that a refusal maps to. */
export const BAD_CREDENTIALS = 4;
export const NOT_AUTHORIZED = 5;

export type Identification = { principal: Principal } | { refused: string; returnCode: typeof BAD_CREDENTIALS | typeof NOT_AUTHORIZED };

/** Keyed by the stream aedes gets (`client.conn`); weak so closed connections leave no trace. */
export class ConnectionOrigins {
  private readonly origins = new WeakMap<object, ConnectionOrigin>();

  record(connection: object, origin: ConnectionOrigin): void {
    this.origins.set(connection, origin);
  }

  of(connection: object): ConnectionOrigin | undefined {
    return this.origins.get(connection);
  }
}

/** `attachedThings` are the registered things the client certificate is attached to (registry);
 * `isRevoked` says whether it was revoked (snapfleet devices revoke). */
export function identify(
  origin: ConnectionOrigin | undefined,
  clientId: string,
  username: string | undefined,
  password: Buffer | undefined,
  tokens: DashboardTokens,
  attachedThings: (certificateFingerprint: string) => readonly string[],
  isRevoked: (certificateFingerprint: string) => boolean = () => false,
): Identification {
  if (!origin) return { refused: "connection did not come through a broker listener", returnCode: NOT_AUTHORIZED };
  if (origin.transport === "mqtts") {
    const identity = origin.identity;
    // The TLS handshake already checked the chain; this catches certificates of this CA that
    // aren't client identities (the broker's own server certificate, say).
    if (!identity) return { refused: "client certificate names no thing or service of this CA", returnCode: NOT_AUTHORIZED };
    if (identity.kind === "service") return { principal: { kind: "service", serviceName: identity.serviceName } };
    // A batch's claim: it may only ask for an identity of its own (core/provisioning/claimPolicy.ts).
    if (identity.kind === "claim") return { principal: { kind: "claim", batch: identity.batch } };
    // The local CA signing a certificate doesn't make it a thing of the fleet: like AWS IoT, only
    // a certificate registered for a thing connects as a device.
    // A revoked certificate never connects again, as on AWS after UpdateCertificate to REVOKED
    // (https://docs.aws.amazon.com/iot/latest/apireference/API_UpdateCertificate.html).
    if (origin.certificateFingerprint && isRevoked(origin.certificateFingerprint)) {
      return { refused: revokedReason(origin.certificateFingerprint, identity.thingName), returnCode: NOT_AUTHORIZED };
    }
    const attached = origin.certificateFingerprint ? attachedThings(origin.certificateFingerprint) : [];
    if (attached.length === 0) {
      return {
        refused: `certificate issued for "${identity.thingName}" is not attached to any registered thing of the fleet (register the device: LocalCloud.addDevice / LocalBroker.provisionDevice)`,
        returnCode: NOT_AUTHORIZED,
      };
    }
    // AWS sets iot:Connection.Thing.ThingName only when the client id is the name of a thing
    // attached to the certificate; otherwise the variable stays unset and statements using it
    // match nothing (https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html).
    return { principal: { kind: "thing", thingName: attached.includes(clientId) ? clientId : undefined, attachedThings: attached } };
  }
  // Browsers can't present client certificates here, so the dashboard token stands in for them;
  // the password is its usual place (MQTT 3.1.1 then needs some username too; its value is
  // ignored), the username is accepted for clients that only set that.
  const check = tokens.verify(password?.toString("utf8") || username);
  if (!check.valid) return { refused: check.reason, returnCode: BAD_CREDENTIALS };
  return { principal: { kind: "dashboard", expiresAt: check.expiresAt, role: check.role } };
}

export function describeOrigin(origin: ConnectionOrigin | undefined): string {
  return origin ? `${origin.transport} client` : "unknown connection";
}

/** Why a revoked certificate is refused at connect; the words start as the log line of a closed
 * connection does (revocationWatcher.ts), so one search finds both. */
export function revokedReason(fingerprint: string, issuedFor: string): string {
  return `${REVOKED} certificate ${shortFingerprint(fingerprint)} issued for "${issuedFor}" never connects again; give the device a new certificate`;
}

export const REVOKED = "certificate revoked (snapfleet devices revoke):";

/** The first 8 bytes of a fingerprint, enough to tell certificates apart in a log. */
export function shortFingerprint(fingerprint: string): string {
  return `${fingerprint.slice(0, 23)}…`;
}
