/** The device's resilient link: MQTT transport on aws-iot-device-sdk-v2 and the outbox that
 * keeps messages across outages (see README.md in this folder for the decisions). */
export { MqttTransport, MqttTransportError } from "./mqttTransport";
export type { MqttTransportOptions } from "./mqttTransport";
export { ReliableOutbox, DEFAULT_IN_FLIGHT_WINDOW } from "./reliableOutbox";
export type { OutboxMessage, ReliableOutboxOptions } from "./reliableOutbox";
