import mqtt from "mqtt";
import type { LocalBroker } from "../../local/broker";

/** mqtt.js over the broker's WebSocket listener with a fresh viewer token, as the dashboard
 * connects (a client id of the app's dashboards); `extra` overrides any option (e.g. protocolVersion). */
export function connectDashboard(broker: LocalBroker, extra: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(broker.webSocketUrl, {
    clientId: `sf-${broker.app}-dashboard-${Math.random().toString(36).slice(2, 8)}`,
    username: "dashboard",
    password: broker.issueDashboardToken(),
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...extra,
  });
}
