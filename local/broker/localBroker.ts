/** The local cloud's MQTT broker: aedes behind a mutual-TLS listener (devices, services) and a
 * WebSocket listener (dashboards), authorizing every connect, publish, subscribe and delivery
 * with the IoT policy documents the AWS deployment attaches. What a device or dashboard may do
 * locally is therefore what it may do on AWS, and a policy bug shows up before it ships. */
import type { AddressInfo, Server } from "node:net";
import { boundEmitterDepth } from "./emitterDepth";
import { Aedes } from "aedes";
import type { Manifest } from "../../core/contracts/manifest";
import type { PolicyScope } from "../../core/policy";
import { ensureLocalPki, type LocalPki, type ThingIdentity } from "../certificates";
import { ThingRegistry } from "../registry";
import { DashboardTokens } from "./dashboardTokens";
import { dedupeByHistory } from "./dedupeHistory";
import { deliverRetainedOnExactMatchOnly } from "./exactRetained";
import { recordFleetStatus } from "./fleetStatusRecorder";
import type { FleetStatusTable } from "../../core/fleetStatus";
import type { TokenCheck } from "../../core/contracts/dashboardToken";
import type { DashboardRole } from "../../core/contracts/dashboardRoles";
import { ConnectionOrigins } from "./identify";
import { PublishBackpressure, type LoadLimits, type LoadStats } from "./backpressure";
import { OutboundWindow, type OutboundStats } from "./outboundWindow";
import { mqtt5Settings } from "./mqttLimits";
import { createMqttsServer } from "./mqttsListener";
import { policyHooks } from "./policyHooks";
import { PolicyBook } from "./principals";
import { keyWireNamesWithoutPrototype } from "./prototypeSafeKeys";
import { queueWithRetainAsDelivered } from "./queuedRetainFlag";
import { formatRefusal, isLoggedRefusal, type BrokerRefusal } from "./refusals";
import { ReplayStore } from "./replayStore";
import { RevocationWatcher } from "./revocationWatcher";
import { shortFingerprint } from "./identify";
import { certificateFingerprint } from "../registry";
import { keepRetainedOrder } from "./retainedOrder";
import type { SessionLimits } from "./sessionLimits";
import { SessionStore, type SessionDrop } from "./sessionStore";
import { StaleDeliveries } from "./staleDeliveries";
import { createMqttWebSocketServer, MQTT_WEBSOCKET_PATH, type MqttWebSocketServer } from "./webSocketListener";

export interface LocalBrokerOptions {
  /** The PKI lives in `${stateDir}/pki` (see local/certificates). */
  stateDir: string;
  app: string;
  manifest: Manifest;
  /** Channels devices keep a publish-only right on (core/policy/retiredChannels.ts); the local
   * cloud decides them at each deploy and keeps them in its state dir (retiredChannelsFile.ts). */
  retiredChannels?: readonly string[];
  /** Only used inside ARNs; defaults make them obviously local. */
  region?: string;
  account?: string;
  /** 0 (default) picks a free port; read the chosen one from `mqttsPort`. */
  mqttsPort?: number;
  wsPort?: number;
  /** Loopback by default: the local cloud is not meant to be reachable from the network. */
  host?: string;
  dashboardTokens?: { ttlMs?: number };
  onRefusal?: (refusal: BrokerRefusal) => void;
  /** Keep sessions, subscriptions, offline QoS 1 queues, retained messages and wills on disk
   * across restarts (sessionStore.ts), within AWS's limits (sessionLimits.ts). The local cloud
   * (`npm start`, `snapfleet dev`) turns it on; off (the default for a broker on its own: tests,
   * benches), they live in memory and a broker restart loses what was queued. */
  persistSessions?: boolean;
  /** What persistent sessions keep (default: AWS IoT's limits, see sessionLimits.ts). */
  sessionLimits?: Partial<SessionLimits>;
  /** Told about every queued message or session the limits let go (also logged). */
  onSessionDrop?: (drop: SessionDrop) => void;
  log?: (line: string) => void;
  /** How much publishing work the broker takes on at once before it slows publishers down and
   * drops QoS 0 (backpressure.ts; default: AWS's 100 per client, 2,000 in all). */
  load?: Partial<LoadLimits>;
}

export const LOCAL_REGION = "local";
export const LOCAL_ACCOUNT = "000000000000";
/** AWS IoT allows client ids of up to 128 characters; aedes defaults to MQTT 3.1's 23. */
const MAX_CLIENT_ID_LENGTH = 128;

/** Shared by the broker and its hooks, so a reloaded manifest reaches every later decision. */
interface CurrentPolicies {
  book: PolicyBook;
}

export class LocalBroker {
  private constructor(
    readonly aedes: Aedes,
    readonly pki: LocalPki,
    /** Things of the fleet and their certificates (`${stateDir}/registry`): only these connect as devices. */
    readonly registry: ThingRegistry,
    /** Each device's last status, as the AWS deployment keeps it in DynamoDB (fleet-status API). */
    readonly fleetStatus: FleetStatusTable,
    readonly scope: PolicyScope,
    readonly host: string,
    readonly mqttsPort: number,
    readonly wsPort: number,
    /** Persistent sessions on disk (`${stateDir}/broker-sessions`): what they keep and dropped. */
    readonly sessions: SessionStore,
    private readonly policies: CurrentPolicies,
    private readonly tokens: DashboardTokens,
    private readonly mqtts: Server,
    private readonly webSocket: MqttWebSocketServer,
    /** Queued messages skipped because they were acknowledged while aedes walked a reconnecting client's queue. */
    readonly staleDeliveries: StaleDeliveries,
    private readonly backpressure: PublishBackpressure,
    private readonly outbound: OutboundWindow,
    private readonly revocations: RevocationWatcher,
    private readonly log: (line: string) => void,
  ) {}

  static async start(options: LocalBrokerOptions): Promise<LocalBroker> {
    const { app, manifest } = options;
    if (manifest.app !== app) {
      throw new Error(`LocalBroker: manifest is for app "${manifest.app}" but the broker was started for app "${app}"; pass the manifest of "${app}"`);
    }
    const scope: PolicyScope = { app, region: options.region ?? LOCAL_REGION, account: options.account ?? LOCAL_ACCOUNT };
    const host = options.host ?? "127.0.0.1";
    const log = options.log ?? (() => {});
    // Building the documents validates app, region, account and channels before anything listens.
    const policies: CurrentPolicies = { book: new PolicyBook(scope, manifest, options.retiredChannels ?? []) };
    const pki = await ensureLocalPki(options.stateDir);
    const registry = await ThingRegistry.open(options.stateDir);
    const tokens = new DashboardTokens(app, options.dashboardTokens?.ttlMs);
    const origins = new ConnectionOrigins();
    // Checked before anything starts, so a bad option fails with nothing to clean up.
    const backpressure = new PublishBackpressure(options.load, log);

    const hooks = policyHooks({
      scope,
      book: () => policies.book,
      origins,
      tokens,
      registry,
      refuse: (refusal) => {
        log(formatRefusal(refusal));
        options.onRefusal?.(refusal);
      },
    });
    // Sessions, queues, retained messages and wills survive a restart (on disk, AWS's limits).
    const sessions = await SessionStore.open({ stateDir: options.stateDir, limits: options.sessionLimits, onDrop: options.onSessionDrop, log });
    const { reportClosed, thingOf, ...brokerHooks } = hooks;
    let aedes: Aedes;
    try {
      aedes = await Aedes.createBroker({
        ...brokerHooks,
        ...(options.persistSessions ? { persistence: sessions.persistence } : {}),
        id: sessions.brokerId,
        maxClientsIdLength: MAX_CLIENT_ID_LENGTH,
        ...mqtt5Settings(sessions.limits, backpressure.limits),
      });
    } catch (error) {
      await sessions.close();
      throw error;
    }
    keyWireNamesWithoutPrototype(aedes, reportClosed);
    sessions.attach(aedes);
    const staleDeliveries = StaleDeliveries.guard(aedes);
    dedupeByHistory(aedes);
    keepRetainedOrder(aedes);
    backpressure.attach(aedes);
    boundEmitterDepth(aedes);
    const outbound = new OutboundWindow(backpressure.limits, log);
    outbound.attach(aedes);
    deliverRetainedOnExactMatchOnly(aedes);
    queueWithRetainAsDelivered(aedes);
    const fleetStatus = await recordFleetStatus(aedes, app, log);
    // Store and forward for channels with `replay: N`.
    new ReplayStore(() => policies.book.manifest).attach(aedes);
    // A refusal was said in its own line already (formatRefusal): not again as aedes's error.
    aedes.on("clientError", (client, error) => isLoggedRefusal(error) || log(`broker: client "${client.id}" error: ${error.message}`));
    aedes.on("connectionError", (client, error) => isLoggedRefusal(error) || log(`broker: connection error (client "${client.id}"): ${error.message}`));

    const mqtts = createMqttsServer(
      pki,
      (socket, origin) => {
        origins.record(socket, origin);
        aedes.handle(socket);
      },
      log,
    );
    const webSocket = createMqttWebSocketServer((stream, request) => {
      origins.record(stream, { transport: "websocket" });
      aedes.handle(stream, request);
    });
    try {
      const mqttsPort = await listen(mqtts, options.mqttsPort ?? 0, host);
      const wsPort = await listen(webSocket.http, options.wsPort ?? 0, host);
      log(`broker: mqtts://${host}:${mqttsPort} (mutual TLS), ws://${host}:${wsPort}${MQTT_WEBSOCKET_PATH} (dashboard tokens), app "${app}"`);
      // A revoke by another process (snapfleet devices revoke) closes its devices' connections.
      const revocations = new RevocationWatcher(registry, aedes, thingOf, log);
      return new LocalBroker(aedes, pki, registry, fleetStatus, scope, host, mqttsPort, wsPort, sessions, policies, tokens, mqtts, webSocket, staleDeliveries, backpressure, outbound, revocations, log);
    } catch (error) {
      await closeAll(aedes, mqtts, webSocket, sessions);
      throw error;
    }
  }

  get app(): string {
    return this.scope.app;
  }

  get caCertPem(): string {
    return this.pki.caCertPem;
  }

  get manifest(): Manifest {
    return this.policies.book.manifest;
  }

  /** The retired channels the device policies keep a publish-only right on. */
  get retiredChannels(): readonly string[] {
    return this.policies.book.retired;
  }

  /** For mqtt.js and browser clients. */
  get webSocketUrl(): string {
    return `ws://${this.host}:${this.wsPort}${MQTT_WEBSOCKET_PATH}`;
  }

  /** Issues a device certificate for the thing (or reuses its existing one) and registers the
   * thing with that certificate attached, as provisioning does on AWS: only then does it connect.
   * A thing whose certificate was revoked (snapfleet devices revoke) gets a new one, as on AWS a
   * new certificate would be created and attached: a revoked one never connects again, and this
   * is how the developer's own simulated device (`snapfleet dev` restarted) comes back. The log
   * says so, so the new identity is no surprise. */
  async provisionDevice(thingName: string): Promise<ThingIdentity> {
    let identity = await this.pki.deviceIdentity(thingName);
    if (this.registry.isRevoked(certificateFingerprint(identity.certPem))) {
      identity = await this.pki.renewDeviceIdentity(thingName, identity.certPem);
      this.log(`broker: the certificate of "${thingName}" was revoked (snapfleet devices revoke): issued it a new one (${shortFingerprint(certificateFingerprint(identity.certPem))})`);
    }
    await this.registry.attach(thingName, identity.certPem);
    return identity;
  }

  /** A bearer token for the WebSocket listener (MQTT password; client id `sf-{app}-dashboard-*`);
   * a viewer's unless `role` says otherwise (core/contracts/dashboardRoles.ts). */
  issueDashboardToken(ttlMs?: number, role?: DashboardRole): string {
    return this.tokens.issue(ttlMs, undefined, role);
  }

  /** Checks a dashboard token (the fleet-status API takes the same tokens as the WebSocket listener). */
  verifyDashboardToken(token: string | undefined): TokenCheck {
    return this.tokens.verify(token);
  }

  /** New channels or directions apply to every later decision, connected clients included
   * (like a new default policy version on AWS), with the `retired` channels' publish-only rights
   * (core/policy/retiredChannels.ts; the local cloud's deploy decides them). Throws, keeping the
   * old policies, if invalid. */
  reloadManifest(manifest: Manifest, retired: readonly string[] = []): void {
    if (manifest.app !== this.app) {
      throw new Error(`LocalBroker.reloadManifest: manifest is for app "${manifest.app}", this broker serves "${this.app}"`);
    }
    this.policies.book = new PolicyBook(this.scope, manifest, retired);
  }

  /** Publishes in flight, clients held back, QoS 0 dropped under overload (backpressure.ts). */
  loadStats(): LoadStats & OutboundStats {
    return { ...this.backpressure.counters, ...this.outbound.counters };
  }

  async stop(): Promise<void> {
    this.revocations.stop();
    this.backpressure.close();
    this.outbound.close();
    await closeAll(this.aedes, this.mqtts, this.webSocket, this.sessions);
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** aedes first (it closes its clients' streams), then the listeners, which wait for their
 * sockets, then the session database, which the closing clients still wrote to. */
async function closeAll(aedes: Aedes, mqtts: Server, webSocket: MqttWebSocketServer, sessions: SessionStore): Promise<void> {
  await new Promise<void>((resolve) => aedes.close(() => resolve()));
  await Promise.all([
    new Promise<void>((resolve) => (mqtts.listening ? mqtts.close(() => resolve()) : resolve())),
    webSocket.close(),
  ]);
  await sessions.close();
}
