import path from "node:path";
import fs from "node:fs";
import * as esbuild from "esbuild";
import { FeatureCompileError } from "./errors";
import { featureEntryInside } from "../contracts/featureEntry";
import { refuseDefaultExport } from "./defaultExport";

export interface Bundle {
  code: string;
  map: object;
  /** Names the entry module exports (from esbuild's metafile). */
  exports: string[];
  /** Absolute paths of the source files in the bundle (from esbuild's metafile). */
  inputs: string[];
}

/** esbuild turns the entry and its imports into one ES module. Target esnext: esbuild's own
 * lowering emits `!=` and `void 0`, which Microvium rejects, so lowering is ours (./lower). */
export async function bundleFeatures(entry: string, cwd: string): Promise<Bundle> {
  const entryPath = path.resolve(cwd, entry);
  if (!fs.existsSync(entryPath)) {
    throw new FeatureCompileError(`feature entry ${entry} does not exist`, undefined, "pass the path of the .ts file that exports App, e.g. features/app.ts");
  }
  if (fs.statSync(entryPath).isDirectory()) {
    const inside = featureEntryInside(entry, cwd);
    throw new FeatureCompileError(`feature entry ${entry} is a folder, not a file`, undefined, inside ? `pass the .ts file that exports App: ${inside}` : "pass the path of the .ts file that exports App, e.g. features/app.ts");
  }
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [entryPath],
      absWorkingDir: cwd,
      bundle: true,
      write: false,
      format: "esm",
      target: "esnext",
      platform: "neutral",
      outfile: path.join(cwd, "feature.js"),
      sourcemap: "external",
      sourcesContent: false,
      treeShaking: true,
      logLevel: "silent",
      plugins: [rejectHostModules],
      metafile: true,
    });
  } catch (e) {
    throw fromEsbuildFailure(e, cwd);
  }
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"));
  const map = result.outputFiles.find((f) => f.path.endsWith(".map"));
  if (!js || !map) throw new Error("esbuild produced no output");
  const exports = Object.values(result.metafile?.outputs ?? {}).flatMap((o) => o.exports);
  if (exports.includes("default")) refuseDefaultExport(entryPath, path.relative(cwd, entryPath) || entryPath);
  const inputs = Object.keys(result.metafile?.inputs ?? {}).map((file) => path.resolve(cwd, file));
  return { code: js.text, map: JSON.parse(map.text), exports, inputs };
}

/** Feature code runs inside Microvium: no Node modules, and only types from snapfleet itself. */
const rejectHostModules: esbuild.Plugin = {
  name: "snapfleet-reject-host-modules",
  setup(build) {
    build.onResolve({ filter: /^(snapfleet|node:.*|fs|path|os|http|https|net|crypto|child_process|events|stream|util)$/ }, (args) => ({
      errors: [
        {
          text:
            args.path === "snapfleet"
              ? `feature code may import only types from "snapfleet" (use \`import type { FeatureApi } from "snapfleet"\`); the API object is passed to App(api)`
              : `feature code runs inside the Microvium engine on the device and in the browser, where "${args.path}" does not exist; reach hardware and network through api`,
        },
      ],
    }));
  },
};

function fromEsbuildFailure(e: unknown, cwd: string): Error {
  const failure = e as { errors?: esbuild.Message[] };
  const first = failure.errors?.[0];
  if (!first) return e as Error;
  const loc = first.location;
  const more = failure.errors!.length > 1 ? ` (and ${failure.errors!.length - 1} more errors)` : "";
  return new FeatureCompileError(
    first.text + more,
    loc ? { file: path.relative(cwd, path.resolve(cwd, loc.file)) || loc.file, line: loc.line, column: loc.column + 1 } : undefined,
    loc?.lineText ? `the line reads: ${loc.lineText.trim()}` : undefined,
  );
}
