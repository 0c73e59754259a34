/** Who a connection is, decided from where it came from and its CONNECT credentials (identify.ts),
 * called directly: the promises of the README's broker section and AWS IoT's rules, in
 * milliseconds (broker.test.ts checks the same through a real TLS broker). Certificates come
 * from the project's own PKI and registry, so the identities and fingerprints are the ones the
 * mutual-TLS listener hands over. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensureLocalPki, type LocalPki } from "../certificates";
import { certificateFingerprint, ThingRegistry } from "../registry";
import { DashboardTokens } from "./dashboardTokens";
import { BAD_CREDENTIALS, ConnectionOrigins, describeOrigin, identify, NOT_AUTHORIZED, type ConnectionOrigin, type Identification } from "./identify";

const APP = "grow";

describe("identify (who a broker connection is)", () => {
  let stateDir: string;
  let pki: LocalPki;
  let registry: ThingRegistry;
  const tokens = new DashboardTokens(APP);
  let thingA: Extract<ConnectionOrigin, { transport: "mqtts" }>;

  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-identify-"));
    pki = await ensureLocalPki(stateDir);
    registry = await ThingRegistry.open(stateDir);
    const a = await pki.deviceIdentity("a");
    // One certificate attached to two things, as AWS allows (a gateway acting for both).
    await registry.attach("a", a.certPem);
    await registry.attach("a2", a.certPem);
    thingA = { transport: "mqtts", identity: pki.identityOf(a.certPem), certificateFingerprint: certificateFingerprint(a.certPem) };
  });

  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  const attached = (fingerprint: string) => registry.thingsAttachedTo(fingerprint);
  const overMqtts = (origin: ConnectionOrigin, clientId: string) => identify(origin, clientId, undefined, undefined, tokens, attached);
  const overWebSocket = (username: string | undefined, password: string | undefined) =>
    identify({ transport: "websocket" }, "sf-grow-dashboard-1", username, password === undefined ? undefined : Buffer.from(password), tokens, attached);

  function refusal(identification: Identification): { refused: string; returnCode: number } {
    assert.ok("refused" in identification, `expected a refusal, got ${JSON.stringify(identification)}`);
    return identification;
  }

  it("refuses a connection that no listener recorded (CONNACK 5, not authorized)", () => {
    const result = refusal(identify(undefined, "a", undefined, undefined, tokens, attached));
    assert.equal(result.returnCode, NOT_AUTHORIZED);
    assert.match(result.refused, /did not come through a broker listener/);
  });

  it("gives a thing certificate connecting with its thing's name that thing (iot:Connection.Thing.ThingName set) and all its attached things", () => {
    assert.deepEqual(overMqtts(thingA, "a"), { principal: { kind: "thing", thingName: "a", attachedThings: ["a", "a2"] } });
    assert.deepEqual(overMqtts(thingA, "a2"), { principal: { kind: "thing", thingName: "a2", attachedThings: ["a", "a2"] } });
  });

  // AWS sets iot:Connection.Thing.ThingName only when the client id is an attached thing's name
  // (https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html).
  it("leaves the thing name unset when the client id names none of the certificate's things", () => {
    assert.deepEqual(overMqtts(thingA, "b"), { principal: { kind: "thing", thingName: undefined, attachedThings: ["a", "a2"] } });
  });

  it("refuses a certificate of this CA attached to no registered thing, saying how to register it", async () => {
    const stray = await pki.deviceIdentity("stray");
    const origin: ConnectionOrigin = { transport: "mqtts", identity: pki.identityOf(stray.certPem), certificateFingerprint: certificateFingerprint(stray.certPem) };
    const result = refusal(overMqtts(origin, "stray"));
    assert.equal(result.returnCode, NOT_AUTHORIZED);
    assert.match(result.refused, /issued for "stray" is not attached to any registered thing.*provisionDevice/);
  });

  it("refuses a revoked certificate in words, before looking at the things it is attached to", async () => {
    const revokedA = (fingerprint: string) => fingerprint === thingA.certificateFingerprint;
    const identification = identify(thingA, "a", undefined, undefined, tokens, attached, revokedA);
    assert.deepEqual(refusal(identification), {
      refused: `certificate revoked (snapfleet devices revoke): certificate ${thingA.certificateFingerprint?.slice(0, 23)}… issued for "a" never connects again; give the device a new certificate`,
      returnCode: NOT_AUTHORIZED,
    });
    assert.ok("principal" in identify(thingA, "a", undefined, undefined, tokens, attached, () => false));
  });

  it("refuses a thing certificate whose fingerprint the listener could not read", () => {
    const result = refusal(overMqtts({ ...thingA, certificateFingerprint: undefined }, "a"));
    assert.equal(result.returnCode, NOT_AUTHORIZED);
    assert.match(result.refused, /not attached to any registered thing/);
  });

  it("refuses a certificate of this CA that names no client identity (the broker's own server certificate)", () => {
    const server: ConnectionOrigin = { transport: "mqtts", identity: pki.identityOf(pki.server.certPem), certificateFingerprint: certificateFingerprint(pki.server.certPem) };
    assert.equal((server as { identity: unknown }).identity, undefined);
    const result = refusal(overMqtts(server, "sf-grow-server"));
    assert.equal(result.returnCode, NOT_AUTHORIZED);
    assert.match(result.refused, /names no thing or service/);
  });

  it("gives service and claim certificates their service and batch, whatever the registry holds", async () => {
    const jobs = await pki.serviceIdentity("jobs");
    const claim = await pki.claimIdentity("batch1");
    const origin = (certPem: string): ConnectionOrigin => ({ transport: "mqtts", identity: pki.identityOf(certPem), certificateFingerprint: certificateFingerprint(certPem) });
    assert.deepEqual(overMqtts(origin(jobs.certPem), "_svc-jobs"), { principal: { kind: "service", serviceName: "jobs" } });
    assert.deepEqual(overMqtts(origin(claim.certPem), "sf-grow-claim-7"), { principal: { kind: "claim", batch: "batch1" } });
  });

  describe("dashboard tokens over WebSocket", () => {
    it("takes the token from the password, with any username (MQTT 3.1.1 needs one)", () => {
      const token = tokens.issue(60_000);
      const expiresAt = Number(token.split(".")[1]);
      assert.deepEqual(overWebSocket("anything", token), { principal: { kind: "dashboard", expiresAt, role: "viewer" } });
    });

    it("takes the token from the username when the password is missing or empty", () => {
      const token = tokens.issue(60_000);
      assert.ok("principal" in overWebSocket(token, undefined));
      assert.ok("principal" in overWebSocket(token, ""));
    });

    it("gives an operator token the operator role (signed into the token)", () => {
      const identification = overWebSocket("dashboard", tokens.issue(60_000, Date.now(), "operator"));
      assert.ok("principal" in identification && identification.principal.kind === "dashboard");
      assert.equal(identification.principal.role, "operator");
    });

    it("refuses a missing, forged, expired or other broker's token with CONNACK 4 (bad user name or password) and says why", () => {
      const valid = tokens.issue(60_000);
      const [prefix, expiry, mac] = valid.split(".");
      const forged = `${prefix}.${expiry}.${mac.startsWith("A") ? "B" : "A"}${mac.slice(1)}`;
      const cases: Array<[string | undefined, RegExp]> = [
        // No password: the username is taken as the token.
        [undefined, /malformed dashboard token/],
        [forged, /signature is wrong/],
        [tokens.issue(1, Date.now() - 1000), /expired/],
        [new DashboardTokens(APP).issue(60_000), /signature is wrong/],
      ];
      for (const [token, reason] of cases) {
        const result = refusal(overWebSocket("dashboard", token));
        assert.equal(result.returnCode, BAD_CREDENTIALS, String(token));
        assert.match(result.refused, reason);
      }
    });

    it("refuses a WebSocket connection with no credentials at all, saying where the token goes", () => {
      const result = refusal(overWebSocket(undefined, undefined));
      assert.equal(result.returnCode, BAD_CREDENTIALS);
      assert.match(result.refused, /no dashboard token \(send it as the MQTT password\)/);
    });
  });

  it("names origins in refusals: the transport, or an unknown connection", () => {
    assert.equal(describeOrigin(thingA), "mqtts client");
    assert.equal(describeOrigin({ transport: "websocket" }), "websocket client");
    assert.equal(describeOrigin(undefined), "unknown connection");
  });

  it("remembers each connection's origin until asked, and nothing for a connection it never saw", () => {
    const origins = new ConnectionOrigins();
    const socket = {};
    origins.record(socket, thingA);
    assert.equal(origins.of(socket), thingA);
    assert.equal(origins.of({}), undefined);
  });
});
