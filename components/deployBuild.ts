/** Compiling features during `pulumi up`, in two passes, so that secret values touch only what
 * must hold them:
 *  1. declarations pass, no secret values at all (every secret reads as a placeholder): what the
 *     features declare (channels, secrets, pins, controls) and the web and server snapshots, which
 *     never get secret values anyway. Plain data, known before any resource exists, so resources
 *     per channel and per secret can be declared and show up in the preview.
 *  2. device pass, inside an apply over the secret Outputs: the device snapshot (secret values
 *     baked in) and the OTA package made from it. Pulumi marks everything derived there secret. */
import * as pulumi from "@pulumi/pulumi";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { encodeDevicePackage } from "../core/contracts/devicePackage";
import type { Declarations, Manifest } from "../core/contracts/manifest";
import type { BoardDefinition } from "../core/boards";
import { ServerHost } from "../core/server/serverHost";

export interface CompileInput {
  entry: string;
  app: string;
  cwd: string;
  board: BoardDefinition;
}

export interface DeclarationsBuild {
  declarations: Declarations;
  webSnapshot: Uint8Array;
  serverSnapshot: Uint8Array;
  /** App registered api.server.onDevice / onFleet handlers: the server snapshot has work to do. */
  hasServerCode: boolean;
}

/** Not a real secret value: the declarations pass only needs every read to succeed. */
const PLACEHOLDER_SECRET = "snapfleet-declarations-pass";

export async function compileDeclarations(input: CompileInput): Promise<DeclarationsBuild> {
  const placeholders = new Proxy({} as Record<string, string>, { get: () => PLACEHOLDER_SECRET });
  const result = await compileFeatures({ entry: input.entry, app: input.app, cwd: input.cwd, board: input.board, secrets: placeholders });
  const { channels, secrets, controls, pins, settings } = result.manifest;
  return {
    declarations: { channels, secrets, controls, pins, ...(settings ? { settings } : {}) },
    webSnapshot: result.snapshots.web,
    serverSnapshot: result.snapshots.server,
    hasServerCode: ServerHost.hasServerCode(result.manifest),
  };
}

export interface DeviceBuild {
  manifest: Manifest;
  packageBase64: string;
  packageSha256: string;
  packageSize: number;
}

/** The device pass; the result is secret as a whole. */
export function compileDevice(input: CompileInput, declared: DeclarationsBuild, secrets: Record<string, pulumi.Output<string>>): pulumi.Output<DeviceBuild> {
  const build = pulumi.all(secrets).apply(async (values) => {
    const result = await compileFeatures({ entry: input.entry, app: input.app, cwd: input.cwd, board: input.board, secrets: values });
    requireSameAsDeclarations(result, declared);
    const pkg = encodeDevicePackage(result.manifest, result.snapshots.device);
    return { manifest: result.manifest, packageBase64: Buffer.from(pkg.bytes).toString("base64"), packageSha256: pkg.sha256, packageSize: pkg.size };
  });
  return pulumi.secret(build);
}

/** The two passes must agree, or the infrastructure would not match the firmware. */
function requireSameAsDeclarations(result: CompileResult, declared: DeclarationsBuild): void {
  const { channels, secrets, controls, pins, settings } = result.manifest;
  if (JSON.stringify({ channels, secrets, controls, pins, ...(settings ? { settings } : {}) }) !== JSON.stringify(declared.declarations)) {
    throw new Error(
      `features of "${result.manifest.app}" declared different things depending on secret values; declarations must not depend on secret values ` +
        `(channels, secrets, pins and controls are infrastructure, decided before the values are known)`,
    );
  }
  if (!Buffer.from(result.snapshots.web).equals(Buffer.from(declared.webSnapshot))) {
    throw new Error(`the web snapshot of "${result.manifest.app}" changed with secret values; the dashboard must never depend on a secret`);
  }
}
