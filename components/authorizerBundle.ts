/** The authorizer Lambda's code: lambda/authorizer bundled by esbuild at deploy time (no network,
 * no separate build step); the AWS SDK stays out because the Node.js Lambda runtime provides it. */
import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { packageRoot } from "./packageRoot";

export function authorizerEntry(): string {
  const dir = path.join(__dirname, "..", "lambda", "authorizer");
  for (const file of ["index.ts", "index.js"]) if (fs.existsSync(path.join(dir, file))) return path.join(dir, file);
  throw new Error(`authorizer source not found in ${dir}; reinstall snapfleet`);
}

/** Async on purpose: esbuild's buildSync deadlocks while another (async) build runs in the same
 * process, and the features compile runs at the same time. */
export async function bundleAuthorizer(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [authorizerEntry()],
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
