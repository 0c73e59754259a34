// `npm run build`: the WebAssembly engine, the TypeScript compile to dist/, the non-TS assets the
// compiled code reads at run time, and the dashboard bundle. Each step is skipped when its inputs
// are unchanged (`npm start` and `npm test` run this first), so an unchanged checkout builds in
// about a second of CPU; `--force` recompiles dist/ and the bundle (the engine rebuilds when
// core/engine/microvium.wasm is deleted).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hashInputs, readStamp, writeStamp } from "./buildStamp.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });
const force = process.argv.includes("--force");
// Build state lives in dist/ so that deleting dist/ forgets it too; package.json's "files" leaves
// dist/.build out of the published package.
const STATE = path.join(root, "dist", ".build");
const TS_CONFIG = "tsconfig.build.json";
const TS_STAMP = path.join(STATE, "typescript.json");
const WEB_BUNDLE = path.join(root, "dist", "web-bundle");
const WEB_STAMP = path.join(STATE, "web-bundle.json");
const WEB_INPUTS = path.join(STATE, "web-bundle-inputs.json");

run(process.execPath, [path.join(root, "scripts/build-engine.mjs")]);
const sources = compileTypeScript();
const assets = copyAssets();
pruneStaleOutputs(sources, assets);
bundleDashboard();

/** tsc with --incremental: when something changed, only the files it affects are checked again.
 * Returns the compiled source files (absolute paths). */
function compileTypeScript() {
  const started = Date.now();
  const ts = createRequire(import.meta.url)(path.join(root, "node_modules/typescript"));
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, TS_CONFIG), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(`${TS_CONFIG}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`);
    },
  });
  // Dependencies' types come in through the lock file; the compiler flags live in this file.
  const inputs = [...config.fileNames, TS_CONFIG, "tsconfig.json", "package-lock.json", "scripts/build.mjs"];
  const hash = hashInputs(root, inputs, [`typescript@${ts.version}`]);
  if (!force && readStamp(TS_STAMP)?.hash === hash && fs.existsSync(path.join(root, "dist", "index.js"))) {
    console.log(`build: dist/ up to date (${config.fileNames.length} TypeScript files unchanged, ${Date.now() - started} ms)`);
    return config.fileNames;
  }
  const buildInfo = path.join(STATE, "typescript.tsbuildinfo");
  if (force) fs.rmSync(buildInfo, { force: true });
  const tsc = path.join(root, "node_modules/typescript/bin/tsc");
  run(process.execPath, [tsc, "-p", TS_CONFIG, "--incremental", "--tsBuildInfoFile", buildInfo]);
  writeStamp(TS_STAMP, { hash });
  console.log(`build: TypeScript compiled to dist/ in ${Date.now() - started} ms`);
  return config.fileNames;
}

/** Assets read with fs relative to __dirname: in-VM JavaScript and the engine. Returns their
 * paths relative to the repository. */
function copyAssets() {
  const assets = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (/\.mvm\.js$|\.wasm$/.test(entry.name)) assets.push(rel);
    }
  };
  walk("core");
  for (const rel of assets) {
    fs.mkdirSync(path.dirname(path.join(root, "dist", rel)), { recursive: true });
    fs.copyFileSync(path.join(root, rel), path.join(root, "dist", rel));
  }
  return assets;
}

/** tsc never deletes: the output of a source that was removed, renamed or excluded from the build
 * would stay in dist/ and be published (`npm pack` ships dist/). */
function pruneStaleOutputs(sources, assets) {
  const compiled = new Set(sources.map((file) => path.relative(root, file).replace(/\.ts$/, "")));
  const copied = new Set(assets);
  const dist = path.join(root, "dist");
  const removed = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      const rel = path.relative(dist, file);
      if (entry.isDirectory()) {
        if (file !== STATE && file !== WEB_BUNDLE) walk(file);
        continue;
      }
      const output = /^(.*?)(\.d\.ts|\.js)(\.map)?$/.exec(rel);
      if (!output || copied.has(rel) || compiled.has(output[1])) continue;
      fs.rmSync(file);
      removed.push(rel);
    }
  };
  walk(dist);
  if (removed.length) console.log(`build: removed ${removed.length} outputs of sources no longer compiled (${removed.slice(0, 3).join(", ")}${removed.length > 3 ? ", …" : ""})`);
}

/** The dashboard as static files (index.html + content-hashed JS, CSS, wasm) for `npm start` and
 * the AWS deployment; bundled by esbuild from web/ (see web/bundle/buildWebBundle.ts), which
 * lists the files it read, so the next build can tell whether any of them changed. */
function bundleDashboard() {
  const stamp = readStamp(WEB_STAMP);
  const outputsPresent = stamp?.outputs?.every((name) => fs.existsSync(path.join(WEB_BUNDLE, name)));
  if (!force && stamp && outputsPresent && hashInputs(root, stamp.inputs) === stamp.hash) {
    console.log(`build: dashboard bundle up to date (${stamp.inputs.length} inputs unchanged)`);
    return;
  }
  run(process.execPath, ["--import", "tsx", path.join(root, "web/bundle/cli.ts"), WEB_BUNDLE, WEB_INPUTS]);
  const { inputs, outputs } = JSON.parse(fs.readFileSync(WEB_INPUTS, "utf8"));
  writeStamp(WEB_STAMP, { hash: hashInputs(root, inputs), inputs, outputs });
}
