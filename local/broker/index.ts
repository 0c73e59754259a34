/** The local cloud's MQTT broker: aedes with mutual TLS, dashboard tokens over WebSocket, and
 * AWS IoT policy authorization (the same documents the AWS deployment attaches). */
export { LocalBroker, LOCAL_REGION, LOCAL_ACCOUNT } from "./localBroker";
export type { LocalBrokerOptions } from "./localBroker";
export type { BrokerRefusal, RefusalOutcome } from "./refusals";
export { formatRefusal } from "./refusals";
export { DashboardTokens, DASHBOARD_TOKEN_PREFIX, DEFAULT_DASHBOARD_TOKEN_TTL_MS } from "./dashboardTokens";
export { servicePolicyDocuments, serviceClientIdPrefix, jobsServicePolicyName, SERVICE_NAMES } from "./servicePolicies";
export type { ServiceName } from "./servicePolicies";
export type { Principal } from "./principals";
export { MQTT_WEBSOCKET_PATH } from "./webSocketListener";
export { STATE_DIR_IN_USE } from "./sessionStore";
