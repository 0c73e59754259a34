/** Pulumi components that deploy a snapfleet app to AWS. */
export { FeatureApp } from "./featureApp";
export type { FeatureAppArgs, FleetArgs, OtaArgs } from "./featureAppArgs";
export type { ChannelTopics } from "./channelPolicies";
export type { DeviceCredentials } from "./fleet";
export { secretConfigKey, missingSecretHint } from "./secretValues";
export { OtaJob, otaJobProvider, type IotJobsClient } from "./otaJob";
export { dashboardConfig, type DashboardConfig } from "./dashboardSite";
