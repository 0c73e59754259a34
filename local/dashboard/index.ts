/** The dashboard's static server for the local cloud (`snapfleet dev` / `npm start`). */
export { startDashboardServer, DASHBOARD_MQTT_USERNAME } from "./dashboardServer";
export type { DashboardServer, DashboardServerOptions, DashboardBroker } from "./dashboardServer";
