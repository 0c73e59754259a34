/** The local cloud's Jobs MQTT API (local/jobs/jobsService.ts: AWS's topics, statuses and
 * rejections) on an in-process aedes, and a device connection to it without a socket: the part of
 * an `mqtt.MqttClientConnection` that aws-iot-device-sdk-v2's `iotjobs` client and the device's
 * Jobs client use (subscribe, publish, the "resume" event). The unit tests of firmware/ota/ run
 * against it in milliseconds; test/ota.test.ts runs the same code over the real broker and TLS.
 *
 * Answers reach the device as AWS sends them (local/jobs/jobsOutbox.ts): to the connection that
 * asked, whether or not it subscribed, handed to its handlers whose filter matches (as the SDK
 * dispatches what arrives); notifications go through aedes to its subscriptions.
 *
 * The test plays the network: it can hold the device's incoming messages (an answer that is late,
 * or lost while offline), make its publishes fail (the SDK's promise rejected) and reconnect
 * (the SDK's "resume" event). */
import { Aedes, type AedesPublishPacket, type PublishPacket } from "aedes";
import type { mqtt } from "aws-iot-device-sdk-v2";
import { JobsService } from "../../local/jobs/jobsService";
import type { Requester } from "../../local/jobs/jobsOutbox";
import { topicMatches } from "../../core/contracts/topicFilter";

export interface SentMessage {
  topic: string;
  body: Record<string, unknown>;
}

export class InMemoryJobsCloud {
  private constructor(
    private readonly aedes: Aedes,
    readonly jobs: JobsService,
    /** The connections by client id: where the service's answers go. */
    private readonly connections: Map<string, InMemoryDeviceConnection>,
  ) {}

  static async start(): Promise<InMemoryJobsCloud> {
    const aedes = await Aedes.createBroker();
    const connections = new Map<string, InMemoryDeviceConnection>();
    const jobs = await JobsService.start({ aedes, findRequester: (clientId) => connections.get(clientId)?.requester });
    return new InMemoryJobsCloud(aedes, jobs, connections);
  }

  /** A device connection for `thing` (give it to JobRunner/OtaAgent as `connection`). */
  connect(thing: string): InMemoryDeviceConnection {
    const connection = new InMemoryDeviceConnection(this.aedes, thing, `${thing}#${this.connections.size + 1}`);
    this.connections.set(connection.clientId, connection);
    return connection;
  }

  /** One job for `thing` alone, in a group of its own: jobs of one group supersede each other
   * (core/jobs/jobBook.ts), and a test may want several queued. */
  createJob(thing: string, jobId: string, document: Record<string, unknown>): void {
    const group = `${thing}-${jobId}`;
    this.jobs.addThingToGroup(group, thing);
    this.jobs.createJob({ jobId, document, thingGroup: group });
  }

  /** Sends `text` on `topic` as the cloud (a malformed or hand-made answer). */
  publishRaw(topic: string, text: string): Promise<void> {
    return new Promise((resolve) => this.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(text), qos: 1, retain: false, dup: false }, () => resolve()));
  }

  execution(thing: string, jobId: string) {
    return this.jobs.book.execution(thing, jobId);
  }

  /** Lets every message already on its way arrive, and the answers they cause (aedes delivers in
   * publish order, so one round trip through it flushes what was published before it). */
  async settle(rounds = 4): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await new Promise<void>((resolve) => {
        const topic = `$test/settle/${Math.random()}`;
        const deliver = (_packet: AedesPublishPacket, done: () => void) => {
          done();
          this.aedes.unsubscribe(topic, deliver, () => resolve());
        };
        this.aedes.subscribe(topic, deliver, () => this.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(""), qos: 0, retain: false, dup: false }, () => undefined));
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async stop(): Promise<void> {
    await this.jobs.stop();
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
  }
}

type OnMessage = (topic: string, payload: ArrayBuffer, dup: boolean, qos: mqtt.QoS, retain: boolean) => void;

export class InMemoryDeviceConnection {
  /** Every publish the device made, in order (requests to the Jobs API). */
  readonly sent: SentMessage[] = [];
  /** Messages for the device while `holding`; delivered by `release`, dropped by `drop`. */
  private held: Array<() => void> = [];
  private holding = false;
  /** Errors a message handler threw (the SDK would let them escape into its event loop). */
  readonly thrown: Error[] = [];
  /** When set, publishes reject with it (as the SDK's promise does when the packet can't go). */
  failPublishes: Error | undefined;
  private readonly resumeListeners: Array<(returnCode: number, sessionPresent: boolean) => void> = [];
  /** The handlers of its subscriptions, which a direct answer is handed to. */
  private readonly handlers: Array<{ filter: string; arrive: (packet: { topic: string; payload: Buffer | string }) => void }> = [];

  /** This connection as the Jobs service answers it: directly, not through aedes's routing. */
  readonly requester: Requester = {
    closed: false,
    // Later, as over a network: the device's handler may ask again at once, outside the service's turn.
    publish: (packet, done) =>
      setImmediate(() => {
        for (const h of this.handlers) if (topicMatches(h.filter, packet.topic)) h.arrive(packet);
        done?.();
      }),
  };

  constructor(
    private readonly aedes: Aedes,
    readonly thing: string,
    readonly clientId: string,
  ) {}

  /** As an `mqtt.MqttClientConnection` for the code under test (it uses only what is here). */
  get asConnection(): mqtt.MqttClientConnection {
    return this as unknown as mqtt.MqttClientConnection;
  }

  subscribe(topic: string, qos: mqtt.QoS, onMessage: OnMessage): Promise<mqtt.MqttSubscribeRequest> {
    const arrive = (packet: { topic: string; payload: Buffer | string }) => {
      const bytes = Buffer.from(packet.payload);
      const handOver = () => {
        try {
          onMessage(packet.topic, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), false, qos, false);
        } catch (e) {
          this.thrown.push(e as Error);
        }
      };
      if (this.holding) this.held.push(handOver);
      else handOver();
    };
    this.handlers.push({ filter: topic, arrive });
    const deliver = (packet: AedesPublishPacket, done: () => void) => {
      done();
      // Answers on these topics come only directly (requester.publish); through aedes only
      // notifications, and whatever a test publishes raw.
      arrive(packet);
    };
    return new Promise((resolve) => this.aedes.subscribe(topic, deliver, () => resolve({ topic, qos })));
  }

  publish(topic: string, payload: string, qos: mqtt.QoS): Promise<mqtt.MqttRequest> {
    if (this.failPublishes) return Promise.reject(this.failPublishes);
    this.sent.push({ topic, body: JSON.parse(payload) as Record<string, unknown> });
    return new Promise((resolve, reject) =>
      // With the client id aedes stamps on a client's publish: the service answers this connection.
      this.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos, retain: false, dup: false, clientId: this.clientId } as PublishPacket, (error) => (error ? reject(error) : resolve({}))),
    );
  }

  on(event: string, listener: (returnCode: number, sessionPresent: boolean) => void): this {
    if (event === "resume") this.resumeListeners.push(listener);
    return this;
  }

  /** The link is back (the SDK's "resume" event; a clean session, so nothing was kept). */
  reconnect(): void {
    for (const l of this.resumeListeners) l(0, false);
  }

  /** Messages for the device wait from now on (late, or never: see `drop`). */
  hold(): void {
    this.holding = true;
  }

  /** Delivers what was held, in order, and stops holding. */
  release(): void {
    this.holding = false;
    for (const arrive of this.held.splice(0)) arrive();
  }

  /** Forgets what was held (lost while offline) and stops holding. */
  drop(): void {
    this.holding = false;
    this.held = [];
  }

  /** The device's requests on `$aws/things/{thing}/jobs/{suffix}`. */
  requests(suffix: string): SentMessage[] {
    return this.sent.filter((m) => m.topic === `$aws/things/${this.thing}/jobs/${suffix}`);
  }
}
