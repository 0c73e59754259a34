/** How the local Jobs service's messages leave it, the two ways AWS IoT Jobs sends them.
 *
 * Answers (`.../accepted`, `.../rejected`) go to the connection that published the request and
 * nowhere else: "the message broker will publish response message topics to the client that
 * published the command message, whether or not your client has subscribed to the response
 * message topics. These response messages don't pass through the message broker and can't be
 * subscribed to by other clients or rules" (AWS IoT developer guide, "Jobs device MQTT API
 * operations", https://docs.aws.amazon.com/iot/latest/developerguide/jobs-mqtt-api.html). So an
 * answer is handed to that one aedes client: no other subscriber, no retained store, no offline
 * queue of another session, no `publish` event (replay store, fleet-status recorder). A requester
 * whose connection is gone by then gets nothing, as on AWS: the answer was for that connection.
 * What the page leaves open, and what we chose:
 * - QoS: not documented; answers go at QoS 1, as the service published them before (aedes lowers
 *   it to the QoS of a subscription the client holds on exactly that topic, as for any delivery).
 * - Authorization: the answer still passes the broker's delivery check, iot:Receive on the answer
 *   topic (local/broker/policyHooks.ts `authorizeForward`), and needs no iot:Subscribe. AWS:
 *   "The iot:Receive permission is confirmed every time a message is delivered to a client"
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html), and its Jobs
 *   policy example grants iot:Receive on `$aws/things/{thing}/jobs/*` for exactly these answers
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/basic-jobs-example.html). A policy
 *   that works here therefore works on AWS; the device policy (core/policy/documents.ts) keeps
 *   that Receive right, and its iot:Subscribe on the answer topics too, because the SDK's
 *   `iotjobs` client subscribes anyway and AWS refuses a SUBSCRIBE the policy doesn't allow.
 *
 * Notifications (`notify`, `notify-next`) are broker topics: "To subscribe to messages related to
 * job activities, use the notify and notify-next topics" (https://docs.aws.amazon.com/iot/latest/developerguide/events-jobs.html),
 * "Devices can track pending jobs by subscribing to these topics" (.../jobs-comm-notifications.html).
 * They are published through aedes, checked per subscriber like any message.
 *
 * One thing's messages leave in the order the service decided them: an answer waits until the
 * thing's earlier notifications were handed to their subscribers. A direct answer skips the
 * broker's offline queue and would otherwise overtake them, so a device (or a test) that asks
 * after a change could hear the answer before the notification of the change. */
import type { Aedes, Client, PublishPacket } from "aedes";

/** The connection a request came from: aedes's client (its `publish` delivers to it alone). */
export type Requester = Pick<Client, "closed" | "publish">;

/** Finds the connection that published a request, by the client id aedes stamped on it. */
export type FindRequester = (clientId: string) => Requester | undefined;

const QOS_ANSWER = 1;
const QOS_NOTIFICATION = 1;

export class JobsOutbox {
  /** Per thing, the last send still in flight: the next one starts after it. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly aedes: Aedes,
    private readonly log: (line: string) => void,
  ) {}

  /** A notification of `thing`, through the broker to whoever may receive it. */
  notify(thing: string, topic: string, body: Record<string, unknown>): void {
    const packet = publishPacket(topic, body, QOS_NOTIFICATION);
    this.inOrder(thing, (done) =>
      this.aedes.publish(packet, (error) => {
        if (error) this.log(`jobs: could not publish ${topic}: ${error.message}`);
        done();
      }),
    );
  }

  /** An answer of `thing`'s request, to the connection that sent it, or to no one. */
  answer(thing: string, requester: Requester | undefined, topic: string, body: Record<string, unknown>): void {
    const packet = publishPacket(topic, body, QOS_ANSWER);
    this.inOrder(thing, (done) => {
      if (!requester || requester.closed) {
        this.log(`jobs: ${topic} not sent: the connection that asked is gone`);
        return done();
      }
      requester.publish(packet, () => done());
    });
  }

  private inOrder(thing: string, send: (done: () => void) => void): void {
    const previous = this.tails.get(thing);
    if (!previous) {
      // Nothing in flight for this thing: send now, in this turn, as aedes.publish would.
      const sent = new Promise<void>((resolve) => send(resolve));
      this.track(thing, sent);
      return;
    }
    this.track(thing, previous.then(() => new Promise<void>((resolve) => send(resolve))));
  }

  private track(thing: string, sent: Promise<void>): void {
    this.tails.set(thing, sent);
    // Forgotten once done, unless a later send took its place: the map holds only things in flight.
    void sent.then(() => {
      if (this.tails.get(thing) === sent) this.tails.delete(thing);
    });
  }
}

/** aedes's client ids, the map it routes takeovers with (not in its types). */
export function aedesRequesters(aedes: Aedes): FindRequester {
  const clients = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
  // Own keys only: a client id such as "constructor" must not find Object.prototype's.
  return (clientId) => (Object.hasOwn(clients, clientId) ? clients[clientId] : undefined);
}

function publishPacket(topic: string, body: Record<string, unknown>, qos: 0 | 1): PublishPacket {
  return { cmd: "publish", topic, payload: Buffer.from(JSON.stringify(body)), qos, retain: false, dup: false };
}
