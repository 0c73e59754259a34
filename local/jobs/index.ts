/** The AWS IoT Jobs MQTT API of the local cloud (decisions in core/jobs). */
export { JobsService } from "./jobsService";
export type { JobsServiceOptions } from "./jobsService";
export { localArtifactUrl, resolveLocalArtifactUrl } from "./artifactUrls";
export { localJobsSource } from "./jobsApiSource";
export { StagedRollouts } from "./stagedRollouts";
export type { StagedRolloutsOptions, RolloutState } from "./stagedRollouts";
