/** IoT-policy authorization plugged into aedes's hooks (docs/architecture.md: the evaluator plugs into the
 * broker, it doesn't wrap it). Every decision is `evaluatePolicies`'s, on the documents AWS gets
 * (compiled once per connection, core/policy/compiled.ts),
 * with AWS's resources: iot:Connect on `client/{id}`, iot:Publish (+ iot:RetainPublish when
 * retained) and iot:Receive on `topic/{topic}`, iot:Subscribe on `topicfilter/{filter}`. */
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
import { connectProblem, CONNACK_UNACCEPTABLE_PROTOCOL, publishProblem, subscribeProblem } from "./mqttLimits";
import { authorizationContext, describePrincipal, type PolicyBook, type Principal } from "./principals";
import type { BrokerRefusal, RefusalOutcome } from "./refusals";

export interface PolicyHooksOptions {
  scope: PolicyScope;
  /** Read per decision, so a reloaded manifest applies to connected clients too. */
  book: () => PolicyBook;
  origins: ConnectionOrigins;
  tokens: DashboardTokens;
  /** The thing registry: which registered things a certificate is attached to. */
  registry: { thingsAttachedTo(certificateFingerprint: string): readonly string[]; reload(): Promise<void> };
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

export type PolicyHooks = Required<Pick<AedesOptions, "preConnect" | "authenticate" | "authorizePublish" | "authorizeSubscribe" | "authorizeForward">>;

export function policyHooks(options: PolicyHooksOptions): PolicyHooks {
  const { scope, origins, tokens, registry, refuse } = options;
  const now = options.now ?? Date.now;
  const sessions = new WeakMap<Client, Session>();

  /** Decided per connection once, not per message (core/policy/compiled.ts). */
  const compiledPolicies = (session: Session): CompiledPolicies => {
    const book = options.book();
    if (session.compiled?.book !== book) {
      session.compiled = { book, policies: new CompiledPolicies(book.policiesFor(session.principal), authorizationContext(session.principal, session.clientId)) };
    }
    return session.compiled.policies;
  };

  /** Evaluates one request; reports and returns false when refused. */
  const permits = (session: Session, action: PolicyAction, resource: string, outcome: RefusalOutcome): boolean => {
    const { principal, clientId } = session;
    const report = (reason: string) =>
      refuse({ action, resource, clientId, principal: describePrincipal(principal), reason, outcome });
    // A token is checked at connect only, so enforce its expiry on every later decision too
    // (AWS's custom authorizer ends the session with `disconnectAfterInSeconds`).
    if (principal.kind === "dashboard" && principal.expiresAt <= now()) {
      report("dashboard token expired during the session");
      return false;
    }
    const policies = compiledPolicies(session);
    const decision = policies.decide(action, resource);
    if (decision.allowed) return true;
    // A default deny names no statement; name the policies that were consulted instead.
    const consulted = policies.policyNames.join(", ") || "none";
    report(decision.reason === DEFAULT_DENY_REASON ? `${decision.reason}; policies consulted: ${consulted}` : decision.reason);
    return false;
  };

  const permitsPublish = (session: Session, packet: PublishPacket, outcome: RefusalOutcome): boolean => {
    const resource = topicArn(scope.region, scope.account, packet.topic);
    if (!permits(session, "iot:Publish", resource, outcome)) return false;
    // AWS asks for iot:RetainPublish on top of iot:Publish when the RETAIN flag is set.
    return !packet.retain || permits(session, "iot:RetainPublish", resource, outcome);
  };

  /** Protocol-level refusals (mqttLimits.ts) close the connection, as on AWS. */
  const refuseProtocol = (client: Client, reason: string, outcome: RefusalOutcome): Error => {
    const session = sessions.get(client);
    refuse({ action: "mqtt", clientId: client.id, principal: session ? describePrincipal(session.principal) : describeOrigin(origins.of(client.conn)), reason, outcome });
    return new Error(reason);
  };

  const identifyClient = async (client: Client, username: string | undefined, password: Buffer | undefined) => {
    const origin = origins.of(client.conn);
    const attempt = () => identify(origin, client.id, username, password, tokens, (fingerprint) => registry.thingsAttachedTo(fingerprint));
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
      return done(authError(identification.refused, identification.returnCode), false);
    }
    const { principal } = identification;
    // A thing named like the server or a dashboard would, with its own client id, kick that
    // participant off (same client id = takeover); the policies alone can't see this.
    if (principal.kind === "thing" && principal.thingName !== undefined && isReservedClientId(scope.app, principal.thingName)) {
      const reason = `thing name "${principal.thingName}" is reserved for the app's server or dashboard client ids`;
      refuse({ action: "authenticate", clientId, principal: describePrincipal(principal), reason, outcome: "connection refused" });
      return done(authError(reason, NOT_AUTHORIZED), false);
    }
    const session: Session = { principal, clientId };
    if (!permits(session, "iot:Connect", clientArn(scope.region, scope.account, clientId), "connection refused")) {
      return done(authError(`not authorized to connect as client id "${clientId}"`, NOT_AUTHORIZED), false);
    }
    // The last will is published later on the client's behalf, under the client's rights:
    // check it now, while the client can still be told (as AWS does at CONNECT).
    const will = (client as ConnectingClient)._will;
    if (will && !permitsPublish(session, will, "connection refused")) {
      return done(authError(`not authorized to publish the last will on "${will.topic}"`, NOT_AUTHORIZED), false);
    }
    sessions.set(client, session);
    done(null, true);
  };

  return {
    preConnect(client, packet, done) {
      const problem = connectProblem(packet.protocolVersion);
      if (!problem) return done(null, true);
      refuse({ action: "mqtt", clientId: packet.clientId ?? "", principal: describeOrigin(origins.of(client.conn)), reason: problem, outcome: "connection refused" });
      // aedes has no CONNACK code for this from its hooks: answer it here, then let aedes close.
      (client.conn as Socket).write(CONNACK_UNACCEPTABLE_PROTOCOL, () => done(new Error(problem), false));
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
      if (problem) return done(refuseProtocol(client, problem, "connection closed"));
      // The error makes aedes close the connection: AWS IoT disconnects an MQTT 3.1.1 client
      // that publishes where it may not (3.1.1 has no negative PUBACK to say so).
      if (!permitsPublish(session, packet, "connection closed")) return done(new Error(`not authorized to publish on "${packet.topic}"`));
      done(null);
    },

    authorizeSubscribe(client, subscription, done) {
      const problem = subscribeProblem(subscription);
      if (problem) return done(refuseProtocol(client, problem, "connection closed"), null);
      const session = sessions.get(client);
      const resource = topicFilterArn(scope.region, scope.account, subscription.topic);
      // Null grants 0x80 (failure) in SUBACK for this filter and keeps the connection, like AWS
      // does for MQTT 3.1.1; the other filters of the same SUBSCRIBE are unaffected.
      if (!session || !permits(session, "iot:Subscribe", resource, "subscription refused (SUBACK 0x80)")) return done(null, null);
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

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}
