/** A device's MQTT link with one native callback for every incoming message, not one per
 * subscription. aws-crt gives each subscription with a callback its own N-API thread-safe
 * function, each a libuv async handle, and it already calls the connection's any-message callback
 * ('message') for every publish as well: a message took two wake-ups of the Node loop, and libuv
 * looks at every async handle of its loop on each wake-up (`uv__async_io`; 0.1 µs per handle per
 * wake-up, measured: README "A thousand devices"). In a fleet host of 250 devices that scan was
 * a third of the host's main thread while the fleet started. The SDK's jobs client subscribes
 * four topics per device, the transport one more per filter, so this takes five handles of about
 * eleven off each device.
 *
 * aws-crt supports this use ("users can use a null handler to sub to a topic, and then handle it
 * with the any handler", source/mqtt_client_connection.c), and the SDK's own MQTT 5 adapter for
 * its service clients routes the same way (service_client_mqtt_adapter.js). What the callers see
 * is unchanged: each subscription's callback gets the messages its filter matches, with the same
 * arguments, as the crt's topic tree would route them (a message matching two filters reaches both).
 *
 * One exception in aws-crt: a connect() that fails releases the connection's own callbacks, the
 * any-message one among them ("clean up the connection function bindings if the initial connect
 * failed", same file), so 'message' never fires again on that connection. After a failed connect
 * every subscription, those made before it too, gets its own native callback, as without this
 * (and `unrouted` hears nothing more). */
import type { mqtt } from "aws-iot-device-sdk-v2";
import { topicMatches } from "../../core/contracts/topicFilter";

type OnMessage = (topic: string, payload: ArrayBuffer, dup: boolean, qos: mqtt.QoS, retain: boolean) => void;

/** `connection` whose subscribe() and unsubscribe() route callbacks through its 'message' event;
 * everything else is the connection itself. Use it for every subscription of the link. */
export function withOneMessageCallback(connection: mqtt.MqttClientConnection, unrouted?: OnMessage): mqtt.MqttClientConnection {
  /** By filter, in subscription order; a new subscription to a filter replaces its callback, as in the crt. */
  const routes = new Map<string, { qos: mqtt.QoS; onMessage: OnMessage }>();
  /** A connect failed: the crt released the any-message callback (see above). */
  let released = false;
  connection.on("message", (topic: string, payload: ArrayBuffer, dup: boolean, qos: mqtt.QoS, retain: boolean) => {
    let routed = false;
    for (const [filter, route] of [...routes]) {
      if (!topicMatches(filter, topic)) continue;
      routed = true;
      route.onMessage(topic, payload, dup, qos, retain);
    }
    // The broker's session holds subscriptions this process has not made (yet): an earlier
    // process's, delivered at reconnect; `unrouted` gets those (the crt has PUBACKed them).
    if (!routed) unrouted?.(topic, payload, dup, qos, retain);
  });
  const subscribe = (topic: string, qos: mqtt.QoS, onMessage?: OnMessage) => {
    if (released) return connection.subscribe(topic, qos, onMessage);
    if (onMessage) routes.set(topic, { qos, onMessage });
    else routes.delete(topic);
    return connection.subscribe(topic, qos);
  };
  const unsubscribe = (topic: string) => {
    routes.delete(topic);
    return connection.unsubscribe(topic);
  };
  const connect = () =>
    connection.connect().catch((error: unknown) => {
      if (!released) {
        released = true;
        // Those routed so far get their own callbacks: the crt replaces a filter's subscription.
        for (const [filter, route] of routes) void connection.subscribe(filter, route.qos, route.onMessage).catch(() => undefined);
        routes.clear();
      }
      throw error;
    });
  return new Proxy(connection, {
    get(target, property) {
      if (property === "subscribe") return subscribe;
      if (property === "unsubscribe") return unsubscribe;
      if (property === "connect") return connect;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
