/** FeatureApp's arguments, their defaults, and the checks that run before any resource exists
 * (so a typo fails the preview with the field's name instead of failing halfway through `up`). */
import type * as pulumi from "@pulumi/pulumi";
import path from "node:path";
import { checkName } from "../core/contracts/names";
import { isReservedClientId } from "../core/policy";
import { appNameLengthProblems } from "../core/contracts/awsNames";
import type { AwsSettings } from "./iotConnection";
import { packageRoot } from "./packageRoot";
import { loadBoard, type BoardDefinition } from "../core/boards";
import { stagesProblems, type RolloutStage } from "../core/jobs/stagedRollout";
import { unknownFieldsProblem } from "../core/contracts/unknownFields";
import { inHundredths } from "../core/jobs/hundredths";

export interface FleetArgs {
  /** Thing group every device joins and the OTA job targets. Default: the app name. */
  thingGroup?: string;
  /** Thing names to create, each with its own certificate. Default: none (add devices later). */
  devices?: string[];
  /** Onboarding by claim: a claim certificate per batch name; boards flashed with it ask for their
   * own identity and join once an operator approves their serial (README, "Onboarding by claim"). */
  claimBatches?: string[];
}

export interface OtaArgs {
  /** Devices notified per minute (AWS: 1-1000). Default 50. */
  maximumPerMinute?: number;
  /** Cancel the rollout when this percentage (0-100, at most two decimals) of executed devices failed, rejected or timed out. Default 20. */
  abortFailurePercent?: number;
  /** Executions to wait for before the abort percentage counts (AWS: at least 1). Default 10. */
  minExecutedForAbort?: number;
  /** A device that started installing and did not finish within this many minutes counts as failed (1-10080). Default 60. */
  inProgressTimeoutMinutes?: number;
  /** Lifetime of the firmware download URL AWS IoT hands each device (60-3600 s). Default 3600. */
  presignedUrlExpirySeconds?: number;
  /** Staged rollout: each new version reaches these cumulative shares of the fleet in turn, each
   * stage watched for `waitMinutes`, and halts by itself (the job is cancelled with the reason)
   * when `abortFailurePercent` of the executed devices failed. E.g. `[{ percent: 5, waitMinutes: 30 },
   * { percent: 50, waitMinutes: 30 }, { percent: 100 }]`. Default: none (the whole fleet at once).
   * How it runs on AWS: docs/staged-rollouts.md. */
  stages?: RolloutStage[];
}

/** The numeric OTA settings (every one has a default). */
export type OtaNumbers = Omit<OtaArgs, "stages">;

export interface FeatureAppArgs {
  /** The feature module that exports App(api), relative to `cwd`. */
  entry: string;
  /** Base of relative paths. Default: process.cwd() (the folder of Pulumi.yaml under `pulumi up`). */
  cwd?: string;
  /** App name used in topics, policies and job ids. Default: the component's name. */
  app?: string;
  /** The board the devices are: a built-in board's name ("simulated", "esp32-devkitc", "nano-33-iot"), the path
   * of a JSON board file (from `cwd`) or a definition; the features' pins are checked against it
   * (README "Boards"). Default: "simulated". */
  board?: string | BoardDefinition;
  fleet?: FleetArgs;
  ota?: OtaArgs;
  /** Secret values by secret name; otherwise read from config `<app>:secret-<name>`. */
  secrets?: Record<string, pulumi.Input<string>>;
  /** The built dashboard (index.html + hashed assets). Default: $SNAPFLEET_DASHBOARD_BUNDLE, else
   * dist/web-bundle of the snapfleet package (made by its `npm run build`). */
  dashboardBundleDir?: string;
  /** AWS account, region and credentials: the arguments of an `aws.Provider` (region, profile,
   * assumeRoles, accessKey/secretKey/token, endpoints). FeatureApp creates that provider for all
   * its resources and gives the OTA job (which calls the AWS SDK itself) the same settings.
   * Default: the stack's `aws:` config, as for Pulumi's default AWS provider. Don't pass an
   * `aws.Provider` in the resource options instead: its credentials can't be read back. */
  aws?: AwsSettings;
}

export interface ResolvedFeatureAppArgs {
  entry: string;
  cwd: string;
  app: string;
  board: BoardDefinition;
  thingGroup: string;
  devices: string[];
  claimBatches: string[];
  ota: Required<OtaNumbers> & { stages?: RolloutStage[] };
  secrets: Record<string, pulumi.Input<string>>;
  dashboardBundleDir: string;
  aws?: AwsSettings;
}

/** Lets CI deploy a dashboard built elsewhere without changing the program. */
export const DASHBOARD_BUNDLE_ENV = "SNAPFLEET_DASHBOARD_BUNDLE";

export const OTA_DEFAULTS: Required<OtaNumbers> = {
  maximumPerMinute: 50,
  abortFailurePercent: 20,
  minExecutedForAbort: 10,
  inProgressTimeoutMinutes: 60,
  presignedUrlExpirySeconds: 3600,
};

/** The fields each object of the arguments has, in the order the README lists them. */
const ARGUMENT_FIELDS: readonly (keyof FeatureAppArgs)[] = ["entry", "cwd", "app", "board", "fleet", "ota", "secrets", "dashboardBundleDir", "aws"];
const FLEET_FIELDS: readonly (keyof FleetArgs)[] = ["thingGroup", "devices", "claimBatches"];
const OTA_FIELDS: readonly (keyof OtaArgs)[] = ["maximumPerMinute", "abortFailurePercent", "minExecutedForAbort", "inProgressTimeoutMinutes", "presignedUrlExpirySeconds", "stages"];

/** AWS IoT Jobs bounds (docs/aws-iot.md). */
const OTA_RANGES: Record<keyof OtaNumbers, [number, number]> = {
  maximumPerMinute: [1, 1000],
  abortFailurePercent: [0, 100],
  minExecutedForAbort: [1, 1_000_000],
  inProgressTimeoutMinutes: [1, 10080],
  presignedUrlExpirySeconds: [60, 3600],
};

/** Every problem at once, each naming its field. */
export function resolveFeatureAppArgs(name: string, args: FeatureAppArgs): ResolvedFeatureAppArgs {
  const problems: string[] = [];
  const where = `FeatureApp "${name}"`;
  const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(args)) throw new Error(`${where}: invalid arguments:\n  - FeatureApp takes arguments { entry: "./features/app.ts", ... }, got ${shown(args)}`);
  const unknown = [
    unknownFieldsProblem(Object.keys(args), ARGUMENT_FIELDS, "FeatureApp's arguments have", "they are"),
    isObject(args.fleet) ? unknownFieldsProblem(Object.keys(args.fleet!), FLEET_FIELDS, "fleet has", "it has") : undefined,
    isObject(args.ota) ? unknownFieldsProblem(Object.keys(args.ota!), OTA_FIELDS, "ota has", "it has") : undefined,
  ];
  for (const problem of unknown) if (problem) problems.push(problem);
  if (args.fleet != null && !isObject(args.fleet)) {
    problems.push(`fleet must be an object such as { devices: ["${name}-1"] }, got ${shown(args.fleet)}`);
    args = { ...args, fleet: undefined };
  }
  if (args.ota != null && !isObject(args.ota)) {
    problems.push(`ota must be an object such as { maximumPerMinute: 50 }, got ${shown(args.ota)}`);
    args = { ...args, ota: undefined };
  }
  const app = args.app ?? name;
  if (typeof args.entry !== "string" || args.entry === "") problems.push(`entry must be the path of the features module (e.g. "./features/app.ts")`);
  const appProblem = checkName("app", app);
  if (appProblem) problems.push(`app: ${appProblem}${args.app === undefined ? " (the app name defaults to the component name; pass `app`)" : ""}`);
  else for (const line of appNameLengthProblems(app)) problems.push(`app: ${line}`);
  const thingGroup = args.fleet?.thingGroup ?? app;
  const groupProblem = checkName("thing group", thingGroup);
  if (groupProblem) problems.push(`fleet.thingGroup: ${groupProblem}`);
  let devices = args.fleet?.devices ?? [];
  if (!Array.isArray(devices)) {
    problems.push(`fleet.devices must be a list of thing names, e.g. ["${name}-1", "${name}-2"], got ${shown(devices)}`);
    devices = [];
  }
  const seen = new Set<string>();
  devices.forEach((device, i) => {
    const problem = checkName("thing", device);
    if (problem) problems.push(`fleet.devices[${i}]: ${problem}`);
    else if (!appProblem && isReservedClientId(app, device)) problems.push(`fleet.devices[${i}]: "${device}" is a client id reserved for the dashboard or server; rename the device`);
    if (seen.has(device)) problems.push(`fleet.devices[${i}]: "${device}" is listed twice`);
    seen.add(device);
  });
  const claimBatches = args.fleet?.claimBatches ?? [];
  if (!Array.isArray(claimBatches)) problems.push(`fleet.claimBatches must be a list of batch names, e.g. ["batch-2026-03"]`);
  else
    claimBatches.forEach((batch, i) => {
      const problem = checkName("batch", batch);
      if (problem) problems.push(`fleet.claimBatches[${i}]: ${problem}`);
      else if (claimBatches.indexOf(batch) !== i) problems.push(`fleet.claimBatches[${i}]: "${batch}" is listed twice`);
    });
  const ota: ResolvedFeatureAppArgs["ota"] = { ...OTA_DEFAULTS };
  for (const key of Object.keys(OTA_RANGES) as (keyof OtaNumbers)[]) {
    const value = args.ota?.[key];
    if (value === undefined) continue;
    const [min, max] = OTA_RANGES[key];
    // AWS IoT's thresholdPercentage is a double with up to two digits after the decimal point.
    const decimals = key === "abortFailurePercent";
    const wellFormed = typeof value === "number" && (decimals ? inHundredths(value) : Number.isInteger(value));
    if (!wellFormed || value < min || value > max) {
      problems.push(`ota.${key} is ${JSON.stringify(value)}; AWS IoT accepts ${decimals ? "numbers" : "whole numbers"} from ${min} to ${max}${decimals ? " with at most two decimals" : ""}`);
    } else ota[key] = value;
  }
  if (args.ota?.stages !== undefined) {
    const stageProblems = stagesProblems(args.ota.stages);
    problems.push(...stageProblems);
    if (!stageProblems.length) ota.stages = args.ota.stages.map((s) => ({ ...s }));
  }
  const cwd = args.cwd ?? process.cwd();
  let board: BoardDefinition | undefined;
  try {
    board = loadBoard(args.board, cwd);
  } catch (e) {
    problems.push(`board: ${(e as Error).message.replace(/\n/g, "\n    ")}`);
  }
  if (problems.length) throw new Error(`${where}: invalid arguments:\n  - ${problems.join("\n  - ")}`);
  return {
    entry: args.entry,
    cwd,
    app,
    board: board!,
    thingGroup,
    devices,
    claimBatches: Array.isArray(claimBatches) ? claimBatches : [],
    ota,
    secrets: args.secrets ?? {},
    dashboardBundleDir: path.resolve(cwd, args.dashboardBundleDir ?? process.env[DASHBOARD_BUNDLE_ENV] ?? path.join(packageRoot(), "dist", "web-bundle")),
    aws: args.aws,
  };
}

/** A value as a program passed it, for a message: JSON where it has one. */
function shown(value: unknown): string {
  return value === undefined ? "undefined" : JSON.stringify(value) ?? String(value);
}
