import mqtt from "mqtt";
import type { LocalBroker } from "../../local/broker";

/** What a dashboard connection needs of the broker (a LocalBroker, or a LocalCloud's broker). */
export type DashboardBroker = Pick<LocalBroker, "app" | "webSocketUrl" | "issueDashboardToken">;

/** mqtt.js over the broker's WebSocket listener with a fresh viewer token, as the dashboard
 * connects (a client id of the app's dashboards); `extra` overrides any option (e.g. protocolVersion,
 * a fixed clientId, or `password` for another token). */
export function connectDashboard(broker: DashboardBroker, extra: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
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
