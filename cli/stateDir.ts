/** The local cloud's state dir as the commands that use it (dev, claim, devices) take it. */
import fs from "node:fs";
import path from "node:path";
import { makePrivateStateDir } from "../local/cloud/privateStateDir";
import { CliError, folderProblem } from "./cliError";

/** Makes the state dir (or finds it) before anything starts, so a path that is a file, under a
 * file or not writable is one line naming it rather than a stack trace from deep in the cloud. */
export function usableStateDir(stateDir: string): string {
  const shown = path.relative(process.cwd(), stateDir) || ".";
  try {
    // Keys and the device snapshot's secret values live there: the owner's alone (privateStateDir.ts).
    makePrivateStateDir(stateDir);
    fs.accessSync(stateDir, fs.constants.W_OK);
  } catch (e) {
    throw new CliError(`state dir ${shown} can't be used: ${folderProblem(e)}; pass another folder with --state-dir DIR (it keeps the CA, certificates, OTA slots and sessions between runs)`);
  }
  return stateDir;
}
