/** The manifest of the build a state dir's previous `snapfleet dev` run deployed (LocalCloud
 * writes it to currentBuildDir): what that state dir's devices still run. */
import path from "node:path";
import type { Manifest } from "../core/contracts/manifest";
import { deployedManifest } from "../local/cloud";
import { CliError } from "./cliError";

/** Undefined on a first run (or when the file is unreadable: nothing to compare with). */
export function manifestDeployedBefore(stateDir: string): Manifest | undefined {
  return deployedManifest(stateDir);
}

/** A state dir belongs to one app: its devices keep the installed package of that app, which
 * publishes on that app's topics; under another app's policies each publish closes their
 * connection, so they would never come online to install the new one (and dev would wait). */
export function checkStateDirApp(stateDir: string, deployedBefore: Manifest | undefined, app: string): void {
  const before = deployedBefore?.app;
  if (before === undefined || before === app) return;
  const shown = path.relative(process.cwd(), stateDir) || ".";
  throw new CliError(
    `state dir ${shown} holds the local cloud of app "${before}" (its devices run that app); this is app "${app}". ` +
      `Pass --state-dir DIR for a state dir of this app's own, --app ${before} to go on with that one, or delete ${shown} to start over`,
  );
}
