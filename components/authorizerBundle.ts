/** The Lambdas' code: each folder of lambda/ (the authorizer and the others) bundled by esbuild at deploy time
 * (no network, no separate build step); the AWS SDK stays out because the Node.js Lambda runtime
 * provides it. */
import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { packageRoot } from "./packageRoot";

export type LambdaFolder = "authorizer" | "fleetStatus" | "featureServer" | "historyApi" | "jobsApi" | "stagedRollout" | "provisioningHook" | "approvalsApi";

export function authorizerEntry(): string {
  return lambdaEntry("authorizer");
}

export function lambdaEntry(folder: LambdaFolder): string {
  const dir = path.join(__dirname, "..", "lambda", folder);
  for (const file of ["index.ts", "index.js"]) if (fs.existsSync(path.join(dir, file))) return path.join(dir, file);
  throw new Error(`${folder} Lambda source not found in ${dir}; reinstall snapfleet`);
}

/** Async on purpose: esbuild's buildSync deadlocks while another (async) build runs in the same
 * process, and the features compile runs at the same time. */
export function bundleAuthorizer(): Promise<string> {
  return bundleLambda("authorizer");
}

export async function bundleLambda(folder: LambdaFolder): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [lambdaEntry(folder)],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: ["@aws-sdk/*"],
    write: false,
    logLevel: "silent",
    // Deterministic output: the same source gives the same code, so `pulumi up` is a no-op. The
    // path comments esbuild writes are relative to the working directory: pin it to the package.
    absWorkingDir: packageRoot(),
    legalComments: "none",
  });
  return result.outputFiles[0].text;
}
