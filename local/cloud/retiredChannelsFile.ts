/** The local cloud's retired channels (core/policy/retiredChannels.ts) across runs: the set is
 * decided at each deploy from the build deployed before it, and a state dir's devices still run
 * what its previous run deployed, so the set lives in the state dir (retired-channels.json) with
 * that build (currentBuildDir), as it lives in the Pulumi state on AWS. */
import fs from "node:fs";
import path from "node:path";
import type { Manifest } from "../../core/contracts/manifest";
import { retiredChannels } from "../../core/policy";

export function retiredChannelsFile(stateDir: string): string {
  return path.join(stateDir, "retired-channels.json");
}

/** The set a previous run kept; none on a first run or when the file is unreadable. */
export function readRetiredChannels(stateDir: string): string[] {
  try {
    const { retired } = JSON.parse(fs.readFileSync(retiredChannelsFile(stateDir), "utf8")) as { retired?: unknown };
    return Array.isArray(retired) ? retired.filter((n): n is string => typeof n === "string") : [];
  } catch {
    return [];
  }
}

export function writeRetiredChannels(stateDir: string, retired: readonly string[]): void {
  fs.writeFileSync(retiredChannelsFile(stateDir), JSON.stringify({ retired }, null, 2) + "\n");
}

/** The set for `build` when a run starts: decided against the build the state dir's previous run
 * deployed (`deployedBefore`, undefined on a first run or for another app's state). */
export function retiredAtStart(stateDir: string, deployedBefore: Manifest | undefined, build: Manifest): string[] {
  const previous = deployedBefore?.app === build.app ? deployedBefore.channels : undefined;
  return retiredChannels(previous, build.channels, previous ? readRetiredChannels(stateDir) : []);
}
