/** The device's link to AWS IoT Core or the local cloud: aws-iot-device-sdk-v2's MQTT 3.1.1
 * client over mutual TLS. The builder chain is the SDK samples' one; only endpoint, port and CA
 * differ between AWS and the local broker (which speaks 3.1.1 and 5; the device stays on 3.1.1).
 *
 * Outages and reconnects are the crt's: keepalive PINGREQ with a ping timeout shorter than the
 * keepalive detects a dead link within two keepalive periods, and the crt reconnects the same
 * connection object with exponential backoff. We keep the crt's reconnect rather than our own
 * because the OTA agent runs `iotjobs.IotJobsClient` on this very `connection` (AWS allows one
 * connection per client id) and the crt keeps unacknowledged QoS 1 publishes across its own
 * reconnects; a connection of our making would orphan both. The crt's backoff has no jitter
 * setting, so the jitter is in the configuration: each device draws its minimum delay at random
 * in [min, 2·min] whole seconds, and the doubling keeps a fleet that lost the broker at once
 * spread out instead of reconnecting in lockstep.
 *
 * The first connect is ours, not the crt's (it rejects once and never retries): a transient
 * failure (connectFailure.ts) is tried again on the crt's own schedule (the jittered minimum,
 * doubling, capped at the maximum) until `firstConnectBudgetMs`, so a device started while the
 * broker is busy or not up yet comes online as a real one would; a refusal fails at once. */
import { iot, mqtt } from "aws-iot-device-sdk-v2";
import { encodeDeviceStatus, LAST_WILL_BOOT_ID } from "../../core/contracts/deviceStatus";
import { topics } from "../../core/contracts/topics";
import type { ConnectionListener, MessageHandler, QoS, Transport } from "../transport";
import { RetainedSentHere } from "./retainedSentHere";
import { connectFailure, type ConnectFailure } from "./connectFailure";
import { outageCause, type OutageRecord } from "./outageCause";
import { withOneMessageCallback } from "./oneMessageCallback";
import { buildTrustingOnly } from "./trustOnlyCa";

/** How long the first connect keeps trying after transient failures, by default. */
export const FIRST_CONNECT_BUDGET_MS = 60_000;

/** What ends a first connect's attempt that disconnect() overtook: not retried. */
const STOPPED: ConnectFailure = { name: undefined, detail: "disconnect() was called", transient: false };

/** How many outage records a transport keeps (the newest): enough to explain a flaky run, bounded for a device up for months. */
const OUTAGE_HISTORY = 50;

export interface MqttTransportOptions {
  /** AWS IoT data endpoint (`xxxx-ats.iot.{region}.amazonaws.com`) or the local broker's host. */
  endpoint: string;
  /** 8883 (default) on AWS; the local broker's `mqttsPort` locally. */
  port?: number;
  /** The local cloud's CA; omit on AWS (the system trust store knows Amazon's roots). */
  caCertPem?: string;
  certPem: string;
  keyPem: string;
  /** Thing name = MQTT client id = certificate CN. */
  thing: string;
  /** PINGREQ interval (default 30 s; AWS accepts 30–1200, the local broker any). */
  keepAliveSeconds?: number;
  /** A PINGRESP later than this marks the link dead (default: half the keepalive, at most 3 s). */
  pingTimeoutMs?: number;
  /** Reconnect delay bounds in whole seconds (the crt's unit): defaults 1 and 64. */
  reconnectMinSeconds?: number;
  reconnectMaxSeconds?: number;
  /** How long the first connect may keep trying after transient failures (default
   * FIRST_CONNECT_BUDGET_MS); 0: one attempt. */
  firstConnectBudgetMs?: number;
  /** Registered as the retained QoS 1 last will on the app's status topic: `{online:false}` with
   * version "" and boot id LAST_WILL_BOOT_ID, always, because receivers know a will by that boot id
   * (core/fleetStatus/statusRecord.ts `isOlderNews`): a will with a boot's own id and its
   * registration time would be taken for older news of that boot, and the device would stay
   * "online" after its link died. */
  lastWill?: { app: string };
  /** Local echo of link events and failed subscriptions. */
  onLog?: (line: string) => void;
  /** Replaces Math.random for the reconnect jitter (tests). */
  random?: () => number;
}

/** A connect or publish the transport refused: says what, where, and what to check. */
export class MqttTransportError extends Error {}

export class MqttTransport implements Transport {
  /** A device's connection (the simulated device and the QEMU board's co-processor alike), its
   * last will without a version: the device may install others while this connection lasts, and
   * monitors keep the last version they heard for an offline device. */
  static forDevice(o: Pick<MqttTransportOptions, "endpoint" | "port" | "caCertPem" | "certPem" | "keyPem" | "thing" | "keepAliveSeconds" | "firstConnectBudgetMs"> & { app: string }, onLog: (line: string) => void): MqttTransport {
    return new MqttTransport({
      endpoint: o.endpoint,
      port: o.port,
      caCertPem: o.caCertPem,
      certPem: o.certPem,
      keyPem: o.keyPem,
      thing: o.thing,
      keepAliveSeconds: o.keepAliveSeconds,
      firstConnectBudgetMs: o.firstConnectBudgetMs,
      lastWill: { app: o.app },
      onLog,
    });
  }

  /** The SDK connection, for the OTA agent's Jobs client; don't disconnect it behind our back. */
  readonly connection: mqtt.MqttClientConnection;
  /** The crt's reconnect backoff bounds for this device, jitter applied. */
  readonly reconnectDelaySeconds: { min: number; max: number };
  private isConnected = false;
  private closed = false;
  private connectCalled = false;
  /** A CONNACK came once: the crt owns the reconnects from then on. */
  private everConnected = false;
  /** The first connect's attempt in progress (the crt can't cancel it: it runs to its own timeout). */
  private attemptInFlight: Promise<unknown> | undefined;
  private signalClosed: () => void = () => {};
  /** Settles on disconnect(): ends the first connect's waits at once. */
  private readonly closedSignal = new Promise<void>((resolve) => (this.signalClosed = resolve));
  private interrupts = 0;
  private resumes = 0;
  private connectedAt: number | undefined;
  private readonly history: OutageRecord[] = [];
  /** `active`: the broker holds this subscription in the current session. */
  private readonly handlers = new Map<string, { qos: QoS; active: boolean; handlers: Set<MessageHandler> }>();
  /** For Delivery.sentHere. */
  private readonly retainedSent = new RetainedSentHere();
  private readonly listeners = new Set<ConnectionListener>();
  private readonly unroutedListeners = new Set<(topic: string, payload: string) => void>();

  constructor(private readonly options: MqttTransportOptions) {
    const keepAlive = options.keepAliveSeconds ?? 30;
    const pingTimeoutMs = options.pingTimeoutMs ?? Math.min(3000, (keepAlive * 1000) / 2);
    if (!Number.isInteger(keepAlive) || keepAlive < 1) throw new Error(`MqttTransport: keepAliveSeconds must be a whole number >= 1, got ${keepAlive}`);
    if (pingTimeoutMs >= keepAlive * 1000) {
      throw new Error(`MqttTransport: pingTimeoutMs (${pingTimeoutMs}) must be below the keepalive (${keepAlive * 1000} ms) to detect an outage within two keepalive periods`);
    }
    const minSeconds = options.reconnectMinSeconds ?? 1;
    const maxSeconds = options.reconnectMaxSeconds ?? 64;
    if (!Number.isInteger(minSeconds) || minSeconds < 1 || !Number.isInteger(maxSeconds) || maxSeconds < minSeconds) {
      throw new Error(`MqttTransport: reconnect bounds must be whole seconds with 1 <= min <= max, got min ${minSeconds}, max ${maxSeconds}`);
    }
    const jitteredMin = Math.min(maxSeconds, minSeconds + Math.floor((options.random ?? Math.random)() * (minSeconds + 1)));
    this.reconnectDelaySeconds = { min: jitteredMin, max: maxSeconds };

    let builder = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(options.certPem, options.keyPem)
      .with_endpoint(options.endpoint)
      .with_port(options.port ?? 8883)
      .with_client_id(options.thing)
      // A persistent session: the broker keeps our subscriptions and queued QoS 1 deliveries
      // across an outage, and the crt retransmits our unacknowledged publishes.
      .with_clean_session(false)
      .with_keep_alive_seconds(keepAlive)
      .with_ping_timeout_ms(pingTimeoutMs)
      .with_reconnect_min_sec(jitteredMin)
      .with_reconnect_max_sec(maxSeconds);
    if (options.caCertPem) builder = builder.with_certificate_authority(options.caCertPem);
    if (options.lastWill) {
      // Version "": the will is registered before the device knows what it will run.
      const payload = encodeDeviceStatus({ online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: Date.now() });
      const { app } = options.lastWill;
      builder = builder.with_will(new mqtt.MqttWill(topics.status(app, options.thing), mqtt.QoS.AtLeastOnce, payload, true));
    }
    // Every subscription of the link, the OTA agent's jobs client's too, through one native callback.
    this.connection = withOneMessageCallback(new mqtt.MqttClient().new_connection(buildTrustingOnly(options.caCertPem, () => builder.build())), (topic, payload) => {
      const text = Buffer.from(payload).toString("utf8");
      for (const l of [...this.unroutedListeners]) l(topic, text);
    });
    this.connection.on("connection_success", ({ session_present }) => this.onConnack(session_present));
    this.connection.on("interrupt", (error) => {
      this.interrupts++;
      const at = Date.now();
      const { cause, detail } = outageCause(error);
      this.history.push({ n: this.interrupts, cause, at, afterConnectMs: this.connectedAt === undefined ? undefined : at - this.connectedAt, detail });
      if (this.history.length > OUTAGE_HISTORY) this.history.shift();
      this.log(`link lost (${cause}): ${detail}`);
      this.setConnected(false);
    });
    this.connection.on("resume", () => this.resumes++);
    // The first connect's failures are logged by connect(), with the attempt and what comes next.
    this.connection.on("connection_failure", ({ error }) => this.everConnected && this.log(`connect attempt failed: ${String(error)}`));
    this.connection.on("closed", () => this.setConnected(false));
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Outages the crt detected (socket closed, or no PINGRESP in time). */
  get outages(): number {
    return this.interrupts;
  }

  /** Why and when the latest outages happened (at most the last 50), oldest first. */
  get outageHistory(): readonly OutageRecord[] {
    return this.history;
  }

  /** Successful reconnects after an outage. */
  get reconnects(): number {
    return this.resumes;
  }

  /** Resolves with whether the broker resumed a session. A transient failure is tried again
   * (jittered exponential backoff, each failed attempt logged with its reason) until the first
   * connect's budget; a refusal rejects at once, saying what to check. After the first CONNACK,
   * reconnects are the crt's. disconnect() ends the attempts at once. */
  async connect(): Promise<boolean> {
    if (this.closed || this.connectCalled) throw new MqttTransportError(`MqttTransport: connect() for "${this.options.thing}" ${this.closed ? "after disconnect(); create a new transport" : "called twice"}`);
    this.connectCalled = true;
    const started = Date.now();
    const budgetMs = this.options.firstConnectBudgetMs ?? FIRST_CONNECT_BUDGET_MS;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt();
      if (typeof outcome === "boolean") return outcome;
      if (this.closed) throw this.stoppedError(attempt, outcome);
      if (!outcome.transient) {
        throw new MqttTransportError(
          `MqttTransport: "${this.options.thing}" could not connect to ${this.where}: ${outcome.detail} (refused, not retried). ` +
            `Check the endpoint, that the certificate is registered and active, and that its policy allows iot:Connect for client id "${this.options.thing}".`,
        );
      }
      const delayMs = this.retryDelaySeconds(attempt) * 1000;
      const elapsedMs = Date.now() - started;
      if (elapsedMs + delayMs > budgetMs) {
        throw new MqttTransportError(
          `MqttTransport: "${this.options.thing}" could not connect to ${this.where}: gave up after ${attempt} attempt${attempt === 1 ? "" : "s"} over ${(elapsedMs / 1000).toFixed(1)} s ` +
            `(budget ${budgetMs / 1000} s); last: ${outcome.detail}. Check the endpoint and that the broker runs there, and that it accepts this certificate (a broker refusing it in TLS looks like a hang-up).`,
        );
      }
      this.log(`connect attempt ${attempt} failed (${outcome.detail}); trying again in ${delayMs / 1000} s`);
      await this.pause(delayMs);
      if (this.closed) throw this.stoppedError(attempt, outcome);
    }
  }

  /** Clean MQTT DISCONNECT (the broker discards the last will) and frees the native connection.
   * Resolves once the link is closed, at once when there is none: the crt between its reconnect
   * attempts or in one (see below). */
  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signalClosed();
    if (!this.everConnected) {
      // The crt never answers a DISCONNECT on a connection that never connected: free it, once
      // an attempt in progress has ended (it can't be cancelled; closing it under way is unsafe).
      const free = () => (this.connection as unknown as { close(): void }).close();
      if (this.attemptInFlight) void this.attemptInFlight.then(free, free);
      else free();
      return;
    }
    const finished = this.connection.disconnect();
    // With the link down (a revoked certificate refused at every reconnect, a device the broker
    // closed for a refused publish), the crt settles the disconnect only when its next attempt
    // was due, up to reconnectMaxSeconds later, or when the attempt under way ends; it dials no
    // more after this call and frees the connection then by itself. No link, no goodbye to wait
    // for: done now (snapfleet dev's 2 s device stop took such devices for stuck apps). A link
    // that falls while the DISCONNECT goes out ends the wait alike.
    await Promise.race([finished, this.linkDown()]);
    this.setConnected(false);
  }

  /** Resolves once the link is down (at once when it is). */
  private linkDown(): Promise<void> {
    if (!this.isConnected) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.onConnectionChange((up) => {
        if (up) return;
        off();
        resolve();
      });
    });
  }

  /** One connect attempt: the session-present flag, or why it failed; ends early on disconnect(). */
  private async attempt(): Promise<boolean | ConnectFailure> {
    const inFlight = this.connection.connect();
    this.attemptInFlight = inFlight;
    const outcome = await Promise.race([
      inFlight.then(
        (sessionPresent) => sessionPresent,
        (rejection: unknown) => connectFailure(rejection),
      ),
      this.closedSignal.then(() => STOPPED),
    ]);
    if (this.closed) return typeof outcome === "boolean" ? STOPPED : outcome;
    this.attemptInFlight = undefined;
    // The connection_success event may come after this resolves: be connected now.
    if (typeof outcome === "boolean") this.onConnack(outcome);
    return outcome;
  }

  /** The crt's reconnect schedule, so one device backs off alike before and after its first
   * CONNACK: the jittered minimum, doubled per failed attempt, capped at the maximum. */
  private retryDelaySeconds(failedAttempts: number): number {
    const { min, max } = this.reconnectDelaySeconds;
    return Math.min(max, min * 2 ** Math.min(failedAttempts - 1, 30));
  }

  private async pause(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), this.closedSignal]);
    clearTimeout(timer);
  }

  private stoppedError(attempts: number, last: ConnectFailure): MqttTransportError {
    return new MqttTransportError(`MqttTransport: "${this.options.thing}" stopped while connecting to ${this.where} (after ${attempts} attempt${attempts === 1 ? "" : "s"}; last: ${last.detail})`);
  }

  private get where(): string {
    return `${this.options.endpoint}:${this.options.port ?? 8883}`;
  }

  publish(topic: string, payload: string, qos: QoS, retain = false): Promise<void> {
    if (this.closed) return Promise.reject(new MqttTransportError(`MqttTransport: publish on "${topic}" after disconnect()`));
    if (retain) this.retainedSent.published(topic, payload);
    // While offline the crt holds the packet and sends it after reconnecting.
    // (The resolved MqttRequest is of no use to callers; no extra .then per message on the hot path.)
    return this.connection.publish(topic, payload, qos, retain) as Promise<unknown> as Promise<void>;
  }

  subscribe(topic: string, qos: QoS, handler: MessageHandler): () => void {
    // The crt keeps one callback per filter: fan out to every handler ourselves.
    let entry = this.handlers.get(topic);
    if (!entry) {
      entry = { qos, active: false, handlers: new Set() };
      this.handlers.set(topic, entry);
      // Offline, it goes out with the next CONNACK (subscribeInactive).
      if (this.isConnected && !this.closed) this.subscribeInactive();
    }
    const wrapped: MessageHandler = (t, p, d) => handler(t, p, d);
    entry.handlers.add(wrapped);
    const own = entry;
    return () => {
      own.handlers.delete(wrapped);
      if (own.handlers.size > 0 || this.handlers.get(topic) !== own) return;
      this.handlers.delete(topic);
      if (own.active && !this.closed) this.connection.unsubscribe(topic).catch((error: Error) => {
        // A disconnect cancels UNSUBSCRIBEs in flight; the session ends anyway, nothing to report.
        if (!this.closed) this.log(`unsubscribe from "${topic}" failed: ${error?.message}`);
      });
    };
  }

  /** Told about messages no subscription of this connection matches: the persistent session's
   * subscriptions of an earlier process, delivered at reconnect before anything here subscribed
   * again (already PUBACKed: whoever listens takes custody). Register before connect(). */
  onUnrouted(listener: (topic: string, payload: string) => void): () => void {
    this.unroutedListeners.add(listener);
    return () => this.unroutedListeners.delete(listener);
  }

  onConnectionChange(listener: ConnectionListener): () => void {
    const entry: ConnectionListener = (c) => listener(c);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** A CONNACK arrived (first connect or reconnect); the first of connect()'s resolution and the
   * connection_success event to report it does the work. */
  private onConnack(sessionPresent: boolean): void {
    if (this.isConnected || this.closed) return;
    this.everConnected = true;
    // A broker that lost our session (restarted, or expired it) lost our subscriptions too.
    if (!sessionPresent) for (const entry of this.handlers.values()) entry.active = false;
    this.connectedAt = Date.now();
    this.subscribeInactive();
    this.setConnected(true);
  }

  private subscribeInactive(): void {
    for (const [topic, entry] of this.handlers) {
      if (entry.active) continue;
      entry.active = true;
      this.sendSubscribe(topic, entry.qos);
    }
  }

  private sendSubscribe(topic: string, qos: QoS): void {
    const dispatch = (t: string, payload: ArrayBuffer, _dup: boolean, _qos: unknown, retain: boolean) => {
      const text = Buffer.from(payload).toString("utf8");
      const delivery = { retained: retain, sentHere: this.retainedSent.includes(t, text) };
      for (const h of [...(this.handlers.get(topic)?.handlers ?? [])]) h(t, text, delivery);
    };
    this.connection.subscribe(topic, qos, dispatch).then(
      (granted) => {
        // SUBACK 0x80: the policy refused this filter (AWS keeps the connection for 3.1.1).
        if ((granted.qos as number) === 128 || (granted.error_code ?? 0) !== 0) this.log(`subscription to "${topic}" refused by the broker (check the thing's policy allows iot:Subscribe on it)`);
      },
      (error: Error) => this.log(`subscribe to "${topic}" failed: ${error.message}`),
    );
  }

  private setConnected(connected: boolean): void {
    if (connected === this.isConnected) return;
    this.isConnected = connected;
    if (!connected) this.retainedSent.connectionLost();
    for (const l of [...this.listeners]) l(connected);
  }

  private log(line: string): void {
    this.options.onLog?.(`[mqtt ${this.options.thing}] ${line}`);
  }
}
