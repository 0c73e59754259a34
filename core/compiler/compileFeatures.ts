import crypto from "node:crypto";
import path from "node:path";
import { checkName } from "../contracts/names";
import { TARGETS, type Declarations, type Manifest, type Target } from "../contracts/manifest";
import { bundleFeatures } from "./bundle";
import { compileTarget, FEATURE_FILE, type TargetBuild } from "./compileTarget";
import { FeatureCompileError, MissingSecretsError } from "./errors";
import { lowerForMicrovium } from "./lower";
import { LoweringError } from "./lower/errors";
import { SourceMapper } from "./sourceMapper";
import { deviceChannelCodec, FULL_CODEC } from "./primitiveChannels";
import { deviceLogsObjects } from "./logValues";
import { ENGINE_ID } from "./engineId";
import { defaultAppName } from "./defaultAppName";
import { findPinWrites } from "./pinWrites";
import { loadBoard, pinsFor, pinWriteProblem, type BoardDefinition } from "../boards";

export interface CompileOptions {
  /** The feature entry module (exports App). */
  entry: string;
  /** App name (topics, policies, job ids). Default: the project's (core/compiler/defaultAppName.ts). */
  app?: string;
  /** The board the app runs on: a built-in board's name, the path of a JSON board file (from
   * `cwd`) or a definition (core/boards). Pins are checked against it. Default: "simulated". */
  board?: string | BoardDefinition;
  /** Secret values by secret name; used for the device snapshot only. */
  secrets?: Record<string, string | undefined>;
  /** Resolve relative paths from here (default process.cwd()). */
  cwd?: string;
  /** How a missing secret should be provided, for the error message. */
  missingSecretHint?: (names: string[]) => string;
  /** Leave out of each snapshot the object members no code in it names (default true;
   * core/compiler/snapshotPruning.ts). False only to measure what that saves. */
  pruneMembers?: boolean;
  /** Most operations App(api) and the feature's module code may run in the compile-time VM per
   * target before the build stops with an error (default 10,000,000; 0: no limit). */
  buildInstructionLimit?: number;
  /** Leave out of the device snapshot the halves of the object/array codec its channels don't
   * need, as inferred from the feature code's types (default true;
   * core/compiler/primitiveChannels.ts). False only to measure what that saves. */
  inferChannelCodec?: boolean;
  /** Leave out of the device snapshot api.log's JSON formatting of objects when the feature code
   * gives it none (default true; core/compiler/logValues.ts). False only to measure what that saves. */
  inferLogObjects?: boolean;
}

export interface CompileResult {
  manifest: Manifest;
  snapshots: Record<Target, Uint8Array>;
  /** What api.log printed during the device build run. */
  buildLogs: string[];
}

/** Compiles a feature module: esbuild bundles it, the lowering pass rewrites what Microvium
 * lacks, then App(api) runs once per target in Microvium's compile-time VM. Every run must
 * declare the same things; the device snapshot's sha256 is the app version. */
export async function compileFeatures(options: CompileOptions): Promise<CompileResult> {
  const cwd = options.cwd ?? process.cwd();
  const app = options.app ?? defaultAppName(path.resolve(cwd, options.entry));
  const nameProblem = checkName("app", app);
  if (nameProblem) throw new FeatureCompileError(nameProblem, undefined, "pass a valid app name (option `app`, CLI --app)");
  let board: BoardDefinition;
  try {
    board = loadBoard(options.board, cwd);
  } catch (e) {
    throw new FeatureCompileError((e as Error).message, undefined, "choose the board with option `board` (CLI --board NAME|FILE.json); README \"Boards\"");
  }

  const bundle = await bundleFeatures(options.entry, cwd);
  const bundleMapper = new SourceMapper(bundle.map, cwd);

  // Web and server read `.value` through a guard, so a secret read there fails loudly; they
  // share one lowering.
  const loweredDevice = lower(bundle.code, bundle.map, false, bundleMapper);
  const loweredGuarded = lower(bundle.code, bundle.map, true, bundleMapper);
  // Only the device snapshot has a size budget; web and server keep the full value codec.
  const deviceCodec = options.inferChannelCodec === false ? FULL_CODEC : deviceChannelCodec(bundle.inputs);
  // Likewise the JSON formatting of objects given to api.log (core/compiler/logValues.ts).
  const deviceLogObjects = options.inferLogObjects === false || deviceLogsObjects(bundle.inputs);
  const builds = {} as Record<Target, TargetBuild>;
  for (const target of TARGETS) {
    const lowered = target === "device" ? loweredDevice : loweredGuarded;
    builds[target] = compileTarget({
      target,
      code: lowered.code,
      exports: bundle.exports,
      mapper: new SourceMapper(lowered.map, cwd),
      secrets: target === "device" ? (options.secrets ?? {}) : {},
      stdlib: lowered.usedStdlib,
      channelCodec: target === "device" ? deviceCodec : undefined,
      logObjects: target === "device" ? deviceLogObjects : true,
      pruneMembers: options.pruneMembers,
      instructionLimit: options.buildInstructionLimit,
      board,
    });
  }

  requireSameDeclarations(builds);
  refuseWritesToInputOnlyPins(bundle.code, board, bundleMapper);
  const missing = builds.device.missingSecrets;
  if (missing.length) {
    const hint = options.missingSecretHint?.(missing) ?? `give ${missing.length === 1 ? "its" : "their"} value${missing.length === 1 ? "" : "s"} in compileFeatures({ secrets }), or mark the secret optional: api.defineSecret(name, { optional: true })`;
    throw new MissingSecretsError(missing, hint);
  }

  const snapshots = { device: builds.device.snapshot, web: builds.web.snapshot, server: builds.server.snapshot };
  const info = (bytes: Uint8Array) => ({ sha256: sha256(bytes), size: bytes.length });
  const manifest: Manifest = {
    app,
    version: sha256(snapshots.device),
    engine: ENGINE_ID,
    board: board.name,
    ...builds.device.declarations,
    snapshots: { device: info(snapshots.device), web: info(snapshots.web), server: info(snapshots.server) },
    callbackSites: { device: builds.device.callbackSites, web: builds.web.callbackSites, server: builds.server.callbackSites },
  };
  return { manifest, snapshots, buildLogs: builds.device.logs };
}

function lower(code: string, map: object, guardValueReads: boolean, bundleMapper: SourceMapper) {
  try {
    return lowerForMicrovium(code, { filename: FEATURE_FILE, inputSourceMap: map, guardValueReads });
  } catch (e) {
    if (e instanceof LoweringError) {
      throw new FeatureCompileError(e.message, bundleMapper.toOriginal(e.line, e.column), e.hint);
    }
    throw e;
  }
}

function requireSameDeclarations(builds: Record<Target, TargetBuild>): void {
  const reference = JSON.stringify(builds.device.declarations);
  for (const target of TARGETS) {
    const other = JSON.stringify(builds[target].declarations);
    if (other !== reference) {
      throw new FeatureCompileError(
        `App(api) is not deterministic: the device build declared ${describe(builds.device.declarations)} but the ${target} build declared ${describe(builds[target].declarations)}`,
        undefined,
        "App(api) runs once per target (device, web, server) and must declare the same channels, secrets, pins and controls each time; don't make declarations depend on api.target, the time, random numbers or secret values",
      );
    }
  }
}

function describe(d: Declarations): string {
  return `channels [${d.channels.map((c) => c.name).join(", ")}], secrets [${d.secrets.map((s) => s.name).join(", ")}], pins [${d.pins.map((p) => p.name).join(", ")}], controls [${d.controls.map((c) => c.title).join(", ")}]`;
}

/** A write to an input-only pin, where the code shows which pin it writes (core/compiler/pinWrites.ts). */
function refuseWritesToInputOnlyPins(code: string, board: BoardDefinition, mapper: SourceMapper): void {
  const writable = new Set(pinsFor(board, "digital-out"));
  if (pinsFor(board, "digital").every((p) => writable.has(p))) return; // nothing to find: skip the parse
  for (const write of findPinWrites(code)) {
    const problem = pinWriteProblem(board, write.pin);
    if (problem) throw new FeatureCompileError(problem, mapper.toOriginal(write.line, write.column), "read it with .read(), or wire the output to a pin that can be written");
  }
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}
