/** The embedded local cloud (`snapfleet dev`): broker, jobs, artifacts, dashboard, monitor. */
export { LocalCloud, currentBuildDir, deployedManifest } from "./localCloud";
export type { LocalCloudOptions, DeployResult } from "./localCloud";
export { FleetMonitor } from "./fleetMonitor";
export type { DeviceRow } from "./fleetMonitor";
