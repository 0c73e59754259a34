/** Over-the-air updates on the device: Jobs MQTT API client, A/B slots, rollback. */
export { OtaAgent } from "./otaAgent";
export type { OtaAgentOptions, OtaEvent, RunningApp } from "./otaAgent";
export { CrashLoopDetector, DEFAULT_CRASH_LOOP } from "./crashLoop";
export type { CrashLoopOptions } from "./crashLoop";
export { SlotStore } from "./slotStore";
export type { Slot } from "./slotStore";
export { JobRunner, JobStatus } from "./jobRunner";
export type { JobOutcome, JobRunnerOptions } from "./jobRunner";
