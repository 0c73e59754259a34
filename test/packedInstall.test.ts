/** snapfleet as a user gets it: `npm pack`, then installed into a fresh project of its own next to
 * @pulumi/pulumi and @pulumi/aws (README, "Use it in your own project"), offline from the npm
 * cache that `npm ci` filled. The project (test/fixtures/own-project) imports only "snapfleet".
 * Its node_modules is kept between runs in the temp folder, keyed by the third-party packages,
 * so a warm run reinstalls only snapfleet itself. */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import { builtinModules } from "node:module";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { projectLock } from "./support/projectLock";

const ROOT = path.join(__dirname, "..");
const FIXTURE = path.join(__dirname, "fixtures", "own-project");
const CACHE = path.join(os.tmpdir(), "snapfleet-packed-install");
const PROJECT_NAME = "greenhouse";
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";

/** The environment of every command: no npm settings inherited from an enclosing `npm test` (its
 * npm_config_local_prefix would point npm at this repository), no loaders, and npm offline. */
function commandEnv(): NodeJS.ProcessEnv {
  const keep = new Set(["npm_config_cache", "npm_config_userconfig", "npm_config_registry"]);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.toLowerCase().startsWith("npm_") && !keep.has(key.toLowerCase())) continue;
    if (key === "NODE_OPTIONS" || key === "NODE_PATH") continue;
    env[key] = value;
  }
  return { ...env, npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function command(cmd: string, args: string[], cwd: string): Promise<Result> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { cwd, env: commandEnv(), maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? e.message };
  }
}

function succeeded(r: Result, what: string): Result {
  assert.equal(r.code, 0, `${what} exited ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
  return r;
}

/** `npm pack` of this repository after an up-to-date build (skipped when nothing changed). */
async function pack(into: string): Promise<string> {
  succeeded(await command(process.execPath, [path.join(ROOT, "scripts/build.mjs")], ROOT), "npm run build");
  const r = succeeded(await command(NPM, ["pack", "--ignore-scripts", "--json", "--pack-destination", into], ROOT), "npm pack");
  return path.join(into, JSON.parse(r.stdout)[0].filename);
}

/** Fresh project files from the fixture next to a kept node_modules; then `npm install --offline`. */
async function installProject(tarball: string): Promise<string> {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const files = projectLock({
    repoRoot: ROOT,
    name: PROJECT_NAME,
    // As the README's `npm install` lines say.
    dependencies: ["@pulumi/pulumi", "@pulumi/aws"],
    devDependencies: ["typescript@~5.9", "tsx", "@types/node"],
    tarball: { file: tarball, manifest },
  });
  const thirdParty = { ...(files.packageLock.packages as Record<string, unknown>) };
  delete thirdParty[`node_modules/${manifest.name}`];
  const key = crypto.createHash("sha256").update(JSON.stringify(thirdParty)).digest("hex").slice(0, 16);
  fs.mkdirSync(CACHE, { recursive: true });
  // Only the current set of packages is worth keeping (each is about 500 MB).
  for (const old of fs.readdirSync(CACHE)) if (old !== key) fs.rmSync(path.join(CACHE, old), { recursive: true, force: true });

  // The folder is named like the project: the app name defaults to it.
  const project = path.join(CACHE, key, PROJECT_NAME);
  fs.mkdirSync(project, { recursive: true });
  for (const other of fs.readdirSync(path.dirname(project))) if (other !== PROJECT_NAME) fs.rmSync(path.join(CACHE, key, other), { recursive: true, force: true });
  for (const entry of fs.readdirSync(project)) if (entry !== "node_modules") fs.rmSync(path.join(project, entry), { recursive: true, force: true });
  fs.cpSync(FIXTURE, project, { recursive: true });
  fs.copyFileSync(tarball, path.join(project, path.basename(tarball)));
  fs.writeFileSync(path.join(project, "package.json"), `${JSON.stringify(files.packageJson, null, 2)}\n`);
  fs.writeFileSync(path.join(project, "package-lock.json"), `${JSON.stringify(files.packageLock, null, 2)}\n`);

  const r = await command(NPM, ["install", "--offline"], project);
  if (r.code !== 0 && /ENOTCACHED|only-if-cached/.test(r.stderr)) {
    const missing = /request to (\S+) failed/.exec(r.stderr)?.[1] ?? "a package";
    assert.fail(`the npm cache (${npmCache()}) has no copy of ${missing}; this test installs offline: run \`npm ci\` in ${ROOT} first (it fills the cache)\n${r.stderr}`);
  }
  succeeded(r, "npm install --offline");
  return project;
}

function npmCache(): string {
  return process.env.npm_config_cache ?? path.join(os.homedir(), ".npm");
}

function sha256(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function* javaScriptFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* javaScriptFiles(file);
    else if (entry.name.endsWith(".js")) yield file;
  }
}

function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

describe("snapfleet installed from its packed tarball into a project of its own", function () {
  // A cold install unpacks ~470 packages on a shared 2-core machine; warm runs take far less.
  this.timeout(15 * 60_000);
  let project: string;
  let installed: string;
  const packDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-pack-"));
  after(() => fs.rmSync(packDir, { recursive: true, force: true }));

  before(async () => {
    const started = Date.now();
    const tarball = await pack(packDir);
    const packed = Date.now();
    project = await installProject(tarball);
    installed = path.join(project, "node_modules", "snapfleet");
    console.log(`      packed in ${((packed - started) / 1000).toFixed(1)} s, installed in ${((Date.now() - packed) / 1000).toFixed(1)} s (${project})`);
  });

  it("ships the compiled code, the engine and the dashboard bundle, without sources or build state", () => {
    for (const file of ["bin/snapfleet.js", "dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "dist/core/engine/microvium.wasm", "dist/web-bundle/index.html"]) {
      assert.ok(fs.existsSync(path.join(installed, file)), `${file} missing from the package`);
    }
    for (const absent of ["cli/main.ts", "core/compiler", "core/runtime/featureVm.ts", "dist/.build", "test", "firmware/native/nativeDevice.test.ts", "firmware/native/ota/tests"]) {
      assert.ok(!fs.existsSync(path.join(installed, absent)), `${absent} should not be in the package`);
    }
  });

  it("requires at run time only its dependencies and Node's built-in modules", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8"));
    const allowed = new Set([...Object.keys(manifest.dependencies), ...builtinModules]);
    const missing: string[] = [];
    for (const file of javaScriptFiles(path.join(installed, "dist"))) {
      const rel = path.relative(installed, file);
      for (const [, specifier] of fs.readFileSync(file, "utf8").matchAll(/\b(?:require|import)\(\s*"([^".][^"]*)"\s*\)/g)) {
        const name = packageNameOf(specifier.replace(/^node:/, ""));
        // The authorizer runs on Lambda, whose Node.js runtime provides AWS SDK v3 (bundled as external).
        if (rel.startsWith(path.join("dist", "lambda")) && name.startsWith("@aws-sdk/")) continue;
        if (!allowed.has(name)) missing.push(`${rel}: require("${specifier}")`);
      }
    }
    assert.deepEqual(missing, [], `not in snapfleet's dependencies:\n${missing.join("\n")}`);
  });

  it("type-checks the project's features and Pulumi program with the README's tsconfig", async () => {
    succeeded(await command(NPX, ["tsc", "-p", "."], project), "npx tsc -p .");
  });

  it("npx snapfleet build compiles features/app.ts into build/", async () => {
    const r = succeeded(await command(NPX, ["snapfleet", "build", "features/app.ts"], project), "npx snapfleet build");
    assert.match(r.stdout, /app greenhouse {2}version [0-9a-f]{12}/);
    assert.match(r.stdout, /wrote build\/manifest\.json/);
    const manifest = JSON.parse(fs.readFileSync(path.join(project, "build", "manifest.json"), "utf8"));
    assert.deepEqual(manifest.channels.map((c: { name: string }) => c.name).sort(), ["fan", "temperature"]);
    assert.deepEqual(manifest.pins, [
      { name: "A2", kind: "analog" },
      { name: "D3", kind: "digital" },
    ]);
    assert.deepEqual(manifest.controls.map((c: { title: string }) => c.title), ["Temperature", "Fan"]);
    for (const target of ["device", "web", "server"]) {
      const snapshot = path.join(project, "build", `${target}.snap`);
      assert.equal(sha256(snapshot), manifest.snapshots[target].sha256, `${target}.snap against the manifest`);
      assert.equal(fs.statSync(snapshot).size, manifest.snapshots[target].size);
    }
  });

  it("npx snapfleet run-device runs the device snapshot and prints its messages as JSON lines", async () => {
    assert.ok(fs.existsSync(path.join(project, "build", "device.snap")), "needs the build of the previous test");
    const r = succeeded(await command(NPX, ["snapfleet", "run-device", "build/", "--seconds", "2", "--pin", "A2=const:21.54"], project), "npx snapfleet run-device");
    const lines = r.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.ok(lines.length >= 3, `expected a reading every 200 ms for 2 s:\n${r.stdout}`);
    for (const line of lines) {
      assert.equal(line.channel, "temperature");
      assert.equal(line.value, 21.5, "the feature rounds the pin's 21.54 to one decimal");
    }
    assert.match(r.stderr, /greenhouse started/);
  });

  it("npx snapfleet firmware build --target posix builds the native device from the installed package; run-device --runtime native runs it", async () => {
    assert.ok(fs.existsSync(path.join(project, "build", "device.snap")), "needs the build of an earlier test");
    const built = succeeded(await command(NPX, ["snapfleet", "firmware", "build", "--target", "posix", "--force"], project), "npx snapfleet firmware build");
    assert.match(built.stderr, /build-firmware: build\/firmware\/posix\/snapfleet-device \d+ bytes/);
    const program = path.join(project, "build", "firmware", "posix", "snapfleet-device");
    assert.ok(fs.statSync(program).size > 100_000, "the program was written into the project, not into node_modules");
    const r = succeeded(await command(NPX, ["snapfleet", "run-device", "build/", "--runtime", "native", "--seconds", "2", "--pin", "A2=const:21.54"], project), "npx snapfleet run-device --runtime native");
    const lines = r.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.ok(lines.length >= 3, `expected a reading every 200 ms for 2 s:\n${r.stdout}`);
    for (const line of lines) assert.deepEqual([line.channel, line.value], ["temperature", 21.5]);
  });

  it("a Pulumi program declares a FeatureApp from \"snapfleet\" (Pulumi mocks, run as Pulumi.yaml says)", async () => {
    const nodeargs = /nodeargs:\s*"([^"]*)"/.exec(fs.readFileSync(path.join(project, "Pulumi.yaml"), "utf8"))?.[1];
    assert.ok(nodeargs === "--import tsx", `Pulumi.yaml's nodeargs: ${nodeargs}`);
    const r = succeeded(await command(process.execPath, [...nodeargs.split(" "), "checkProgram.ts"], project), "the Pulumi program under mocks");
    const { dashboardUrl, jobId, resources } = JSON.parse(r.stdout) as { dashboardUrl: string; jobId: string; resources: { type: string; name: string; inputs: Record<string, any> }[] };
    const ofType = (type: string) => resources.filter((resource) => resource.type === type);
    assert.equal(dashboardUrl, "https://d111111abcdef8.cloudfront.net/");
    assert.match(jobId, /^greenhouse-[0-9a-f]{16}$/);
    assert.equal(ofType("snapfleet:index:FeatureApp").length, 1);
    assert.deepEqual(ofType("aws:iot/thing:Thing").map((thing) => thing.inputs.name), ["greenhouse-1", "greenhouse-2"]);
    assert.equal(ofType("aws:iot/policy:Policy").length, 2, "the device base policy and the channels packed into one");
    assert.equal(ofType("pulumi-nodejs:dynamic/snapfleet:OtaJob")[0]?.inputs.jobId, jobId);
    // Uploaded from the installed package: the dashboard bundle it ships and the device package.
    const keys = ofType("aws:s3/bucketObjectv2:BucketObjectv2").map((object) => object.inputs.key as string);
    const shipped = fs.readdirSync(path.join(installed, "dist", "web-bundle"));
    for (const file of shipped) assert.ok(keys.includes(file), `dashboard file ${file} not uploaded (uploaded: ${keys.join(", ")})`);
    assert.ok(keys.some((key) => /^greenhouse\/[0-9a-f]{64}\.sfpk$/.test(key)), `no device package uploaded: ${keys.join(", ")}`);
  });

  it("the CI example's steps before AWS (examples/ci/deploy-fleet.yml, README \"CI\") pass in the project", async () => {
    // js-yaml comes with @pulumi/pulumi; a test-only use.
    const yaml = require("js-yaml") as { load(text: string): any };
    const steps = yaml.load(fs.readFileSync(path.join(ROOT, "examples", "ci", "deploy-fleet.yml"), "utf8")).jobs.deploy.steps as { uses?: string; run?: string }[];
    const credentials = steps.findIndex((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials"));
    assert.ok(credentials > 0, "the workflow takes AWS credentials");
    const checks = steps.slice(0, credentials).filter((step) => step.run !== undefined);
    assert.ok(checks.some((step) => /^npm ci\b/.test(step.run!)), "the workflow installs with npm ci");
    // npm ci is what installProject did (offline here); the rest runs as the workflow writes it.
    for (const step of checks.filter((s) => !/^npm ci\b/.test(s.run!))) succeeded(await command("bash", ["-eo", "pipefail", "-c", step.run!], project), `the CI step \`${step.run!.trim()}\``);
  });

  it("npx snapfleet dev serves the dashboard from the installed package and stops on --seconds", async () => {
    const child = spawn(NPX, ["snapfleet", "dev", "features/app.ts", "--devices", "1", "--port", "0", "--seconds", "5"], { cwd: project, env: commandEnv() });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      let address: string | undefined;
      for (const deadline = Date.now() + 180_000; !address && Date.now() < deadline && child.exitCode === null; await new Promise((r) => setTimeout(r, 100))) {
        address = /dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
      }
      assert.ok(address, `no dashboard address printed\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
      const page = await fetch(address);
      assert.equal(page.status, 200);
      const html = await page.text();
      const script = /src="(app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
      assert.ok(script && fs.existsSync(path.join(installed, "dist", "web-bundle", script)), `the page is not the packaged bundle:\n${html}`);
      assert.equal(await exited, 0, `snapfleet dev exited with an error\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
      assert.match(stdout, /stopped/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
