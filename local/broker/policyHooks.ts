/** IoT-policy authorization plugged into aedes's hooks (docs/architecture.md: the evaluator plugs into the
 * broker, it doesn't wrap it). Every decision is `evaluatePolicies`'s, on the documents AWS gets
 * (compiled once per connection, core/policy/compiled.ts),
 * with AWS's resources: iot:Connect on `client/{id}`, iot:Publish (+ iot:RetainPublish when
 * retained) and iot:Receive on `topic/{topic}`, iot:Subscribe on `topicfilter/{filter}`.
 *
 * What a refusal looks like depends on the client's protocol version, as on AWS ("MQTT reason
 * codes", https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt5-reason-codes:
 * 0x87 Not authorized for CONNACK, PUBACK, SUBACK and DISCONNECT):
 * - CONNECT (identity, iot:Connect, last will): CONNACK 5 "not authorized" for 3.1.1, 0x87 for 5.
 * - PUBLISH: 3.1.1 has no negative PUBACK, so AWS disconnects the client; an MQTT 5 client gets
 *   PUBACK 0x87 with the reason as Reason String and stays connected (a QoS 0 publish has no
 *   acknowledgement: it is dropped). aedes 2 does the MQTT 5 part (lib/handlers/publish.js).
 * - SUBSCRIBE: that filter's SUBACK entry is 0x80 (3.1.1) or 0x87 (5); the connection stays.
 * - Protocol-level refusals (mqttLimits.ts) close the connection; MQTT 5 clients get a
 *   DISCONNECT with the reason code first. */
import type { AedesOptions, AuthenticateError, Client, PublishPacket } from "aedes";
import type { Socket } from "node:net";
import {
  clientArn,
  CompiledPolicies,
  isReservedClientId,
  topicArn,
  topicFilterArn,
  DEFAULT_DENY_REASON,
  type PolicyAction,
  type PolicyScope,
} from "../../core/policy";
import type { DashboardTokens } from "./dashboardTokens";
import { describeOrigin, identify, NOT_AUTHORIZED, type ConnectionOrigins } from "./identify";
import { connectProblem, CONNACK_UNACCEPTABLE_PROTOCOL, publishProblem, subscribeProblem, type ProtocolProblem } from "./mqttLimits";
import { authorizationContext, describePrincipal, type PolicyBook, type Principal } from "./principals";
import { refusalLogged, type BrokerRefusal, type RefusalOutcome } from "./refusals";

export interface PolicyHooksOptions {
  scope: PolicyScope;
  /** Read per decision, so a reloaded manifest applies to connected clients too. */
  book: () => PolicyBook;
  origins: ConnectionOrigins;
  tokens: DashboardTokens;
  /** The thing registry: which registered things a certificate is attached to, and whether it
   * was revoked (none is, without isRevoked). */
  registry: { thingsAttachedTo(certificateFingerprint: string): readonly string[]; isRevoked?(certificateFingerprint: string): boolean; reload(): Promise<void> };
  refuse: (refusal: BrokerRefusal) => void;
  now?: () => number;
}

interface Session {
  principal: Principal;
  clientId: string;
  /** The principal's policies compiled for this connection (variables resolved), and the book
   * they came from: a reloaded manifest recompiles them at the next decision. */
  compiled?: { book: PolicyBook; policies: CompiledPolicies };
}

/** aedes keeps the CONNECT packet's will here until the connection is accepted (not in its types). */
type ConnectingClient = Client & { _will?: PublishPacket | null };

export type PolicyHooks = Required<Pick<AedesOptions, "preConnect" | "authenticate" | "authorizePublish" | "authorizeSubscribe" | "authorizeForward">> & {
  /** Reports a connection the broker closes for a protocol-level reason found outside these hooks. */
  reportClosed(client: Client, reason: string): void;
  /** The certificate and thing of a client accepted as a thing over mutual TLS, else undefined
   * (revocationWatcher.ts checks them again when the registry changes). */
  thingOf(client: Client): ConnectedThing | undefined;
};

export interface ConnectedThing {
  fingerprint: string;
  /** The thing its client id names (iot:Connection.Thing.ThingName), if any. */
  thingName: string | undefined;
}

export function policyHooks(options: PolicyHooksOptions): PolicyHooks {
  const { scope, origins, tokens, registry, refuse } = options;
  const now = options.now ?? Date.now;
  const sessions = new WeakMap<Client, Session>();

  /** Decided per connection once, not per message (core/policy/compiled.ts). */
  const compiledPolicies = (session: Session): CompiledPolicies => {
    const book = options.book();
    // Stryker disable next-line ConditionalExpression: equivalent: recompiling at every decision gives the same decisions, only slower
    if (session.compiled?.book !== book) {
      session.compiled = { book, policies: new CompiledPolicies(book.policiesFor(session.principal), authorizationContext(session.principal, session.clientId)) };
    }
    return session.compiled.policies;
  };

  /** Evaluates one request; reports and returns false when refused. */
  const permits = (session: Session, action: PolicyAction, resource: string, outcome: RefusalOutcome): boolean => {
    const { principal, clientId } = session;
    // A token is checked at connect only, so enforce its expiry on every later decision too
    // (AWS's custom authorizer ends the session with `disconnectAfterInSeconds`).
    const expired = principal.kind === "dashboard" && principal.expiresAt <= now();
    const decision = expired ? undefined : compiledPolicies(session).decide(action, resource);
    if (decision?.allowed) return true;
    // Only for a refusal from here: this runs for every message and every delivery.
    const report = (reason: string) =>
      refuse({ action, resource, clientId, principal: describePrincipal(principal), reason, outcome });
    if (!decision) {
      report("dashboard token expired during the session");
      return false;
    }
    const policies = compiledPolicies(session);
    // A default deny names no statement; name the policies that were consulted instead.
    const consulted = policies.policyNames.join(", ") || "none";
    // Stryker disable next-line ConditionalExpression: equivalent while the book's documents (core/policy/documents.ts, claimPolicy, servicePolicies.ts) hold no Deny statement: every refusal here is a default deny
    report(decision.reason === DEFAULT_DENY_REASON ? `${decision.reason}; policies consulted: ${consulted}` : decision.reason);
    return false;
  };

  const permitsPublish = (session: Session, packet: PublishPacket, outcome: RefusalOutcome): boolean => {
    const resource = topicArn(scope.region, scope.account, packet.topic);
    if (!permits(session, "iot:Publish", resource, outcome)) return false;
    // AWS asks for iot:RetainPublish on top of iot:Publish when the RETAIN flag is set.
    return !packet.retain || permits(session, "iot:RetainPublish", resource, outcome);
  };

  const principalOf = (client: Client): string => {
    const session = sessions.get(client);
    return session ? describePrincipal(session.principal) : describeOrigin(origins.of(client.conn));
  };

  /** Protocol-level refusals (mqttLimits.ts) close the connection, as on AWS: `closeWith` is
   * handed the error that makes aedes close it, after an MQTT 5 client was sent a DISCONNECT
   * saying why (3.1.1 has no server DISCONNECT). */
  const refuseProtocol = (client: Client, problem: ProtocolProblem, closeWith: (error: Error) => void): void => {
    const v5 = client.version === MQTT_5;
    const outcome: RefusalOutcome = v5 ? `connection closed (DISCONNECT 0x${problem.reasonCode.toString(16)})` : "connection closed";
    refuse({ action: "mqtt", clientId: client.id, principal: principalOf(client), reason: problem.reason, outcome });
    const error = refusalLogged(new Error(problem.reason));
    if (!v5) return closeWith(error);
    // Closed once the DISCONNECT is written; aedes's own answer to the error then finds the
    // connection closed and sends nothing after it.
    client.disconnect({ reasonCode: problem.reasonCode, properties: { reasonString: problem.reason } }, () => closeWith(error));
  };

  const identifyClient = async (client: Client, username: string | undefined, password: Buffer | undefined) => {
    const origin = origins.of(client.conn);
    const attempt = () =>
      identify(origin, client.id, username, password, tokens, (fingerprint) => registry.thingsAttachedTo(fingerprint), (fingerprint) => registry.isRevoked?.(fingerprint) ?? false);
    const first = attempt();
    if (!("refused" in first) || origin?.transport !== "mqtts" || origin.identity?.kind !== "thing") return { origin, identification: first };
    // Another process sharing the state dir may have registered the thing since we last read.
    await registry.reload();
    return { origin, identification: attempt() };
  };

  const authenticateAs = (
    client: Client,
    origin: ReturnType<ConnectionOrigins["of"]>,
    identification: ReturnType<typeof identify>,
    done: Parameters<PolicyHooks["authenticate"]>[3],
  ): void => {
    const clientId = client.id;
    if ("refused" in identification) {
      refuse({ action: "authenticate", clientId, principal: describeOrigin(origin), reason: identification.refused, outcome: "connection refused" });
      // Stryker disable next-line BooleanLiteral: equivalent: aedes accepts a connection only with no error and true (lib/handlers/connect.js, negate): the error alone refuses
      return done(refusalLogged(authError(identification.refused, identification.returnCode)), false);
    }
    const { principal } = identification;
    // A thing named like the server or a dashboard would, with its own client id, kick that
    // participant off (same client id = takeover); the policies alone can't see this.
    if (principal.kind === "thing" && principal.thingName !== undefined && isReservedClientId(scope.app, principal.thingName)) {
      const reason = `thing name "${principal.thingName}" is reserved for the app's server or dashboard client ids`;
      refuse({ action: "authenticate", clientId, principal: describePrincipal(principal), reason, outcome: "connection refused" });
      // Stryker disable next-line BooleanLiteral: equivalent: with an error aedes refuses whatever the flag (lib/handlers/connect.js, negate)
      return done(refusalLogged(authError(reason, NOT_AUTHORIZED)), false);
    }
    const session: Session = { principal, clientId };
    if (!permits(session, "iot:Connect", clientArn(scope.region, scope.account, clientId), "connection refused")) {
      // Stryker disable next-line BooleanLiteral: equivalent: with an error aedes refuses whatever the flag (lib/handlers/connect.js, negate)
      return done(refusalLogged(authError(`not authorized to connect as client id "${clientId}"`, NOT_AUTHORIZED)), false);
    }
    // The last will is published later on the client's behalf, under the client's rights:
    // check it now, while the client can still be told (as AWS does at CONNECT).
    const will = (client as ConnectingClient)._will;
    if (will && !permitsPublish(session, will, "connection refused")) {
      // Stryker disable next-line BooleanLiteral: equivalent: with an error aedes refuses whatever the flag (lib/handlers/connect.js, negate)
      return done(refusalLogged(authError(`not authorized to publish the last will on "${will.topic}"`, NOT_AUTHORIZED)), false);
    }
    sessions.set(client, session);
    done(null, true);
  };

  return {
    thingOf(client) {
      const principal = sessions.get(client)?.principal;
      const origin = origins.of(client.conn);
      if (principal?.kind !== "thing" || origin?.transport !== "mqtts" || !origin.certificateFingerprint) return undefined;
      return { fingerprint: origin.certificateFingerprint, thingName: principal.thingName };
    },

    reportClosed(client, reason) {
      refuse({ action: "mqtt", clientId: client.id, principal: principalOf(client), reason, outcome: "connection closed" });
    },

    preConnect(client, packet, done) {
      const problem = connectProblem(packet.protocolVersion);
      if (!problem) return done(null, true);
      refuse({ action: "mqtt", clientId: packet.clientId ?? "", principal: describeOrigin(origins.of(client.conn)), reason: problem, outcome: "connection refused" });
      // aedes has no CONNACK code for this from its hooks: answer it here, then let aedes close.
      (client.conn as Socket).write(CONNACK_UNACCEPTABLE_PROTOCOL, () => done(refusalLogged(new Error(problem)), false));
    },

    authenticate(client, username, password, done) {
      void identifyClient(client, username, password).then(({ origin, identification }) => authenticateAs(client, origin, identification, done), (error: Error) => done(authError(error.message, NOT_AUTHORIZED), false));
    },

    authorizePublish(client, packet, done) {
      // aedes republishes wills of clients it lost track of with no client: authorized at CONNECT.
      if (!client) return done(null);
      const session = sessions.get(client);
      if (!session) return done(new Error("publish before the connection was authenticated"));
      const problem = publishProblem(packet);
      if (problem) return refuseProtocol(client, problem, done);
      // The error makes aedes close a 3.1.1 connection (AWS disconnects such a client: 3.1.1 has
      // no negative PUBACK) and answer an MQTT 5 client PUBACK 0x87 with the message as Reason String.
      if (!permitsPublish(session, packet, publishRefusalOutcome(client.version, packet.qos))) {
        return done(refusalLogged(new Error(`not authorized to publish on "${packet.topic}"`)));
      }
      done(null);
    },

    authorizeSubscribe(client, subscription, done) {
      const problem = subscribeProblem(subscription);
      if (problem) return refuseProtocol(client, problem, (error) => done(error, null));
      const session = sessions.get(client);
      const resource = topicFilterArn(scope.region, scope.account, subscription.topic);
      // Null puts a failure in SUBACK for this filter (aedes: 0x80 for 3.1.1, 0x87 for 5) and
      // keeps the connection, as AWS does; the other filters of the same SUBSCRIBE are unaffected.
      const outcome: RefusalOutcome = client.version === MQTT_5 ? "subscription refused (SUBACK 0x87)" : "subscription refused (SUBACK 0x80)";
      if (!session || !permits(session, "iot:Subscribe", resource, outcome)) return done(null, null);
      done(null, subscription);
    },

    authorizeForward(client, packet) {
      const session = sessions.get(client);
      // iot:Receive is checked per delivered message, so a broad filter that was allowed still
      // only delivers what the client may receive.
      if (!session || !permits(session, "iot:Receive", topicArn(scope.region, scope.account, packet.topic), "message not delivered")) return null;
      return packet;
    },
  };
}

const MQTT_5 = 5;

function publishRefusalOutcome(version: number, qos: number): RefusalOutcome {
  if (version !== MQTT_5) return "connection closed";
  return qos > 0 ? "publish refused (PUBACK 0x87)" : "message dropped";
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}
