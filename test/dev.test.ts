/** `snapfleet dev` end to end: compile, local cloud, simulated fleet installed over the air,
 * rebuild on edit → one new OTA job for device changes, none for dashboard-only changes. */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DevSession } from "../cli/devSession";
import { stagesFromFlag } from "../cli/stagesFlag";
import { stageOfThing } from "../core/jobs/stagedRollout";
import { writeFeatures } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

const source = (deviceValue: number, title: string) => `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  api.mcu.setInterval(() => level.pushMessageToServer(${deviceValue}), 100);
  api.registerUiControl((el) => level.addEventListener("messageFromDevice", (v) => el.setText("${title} " + v)), { title: "Level" });
}
`;


describe("snapfleet dev: the local system", function () {
  this.timeout(90_000);
  let stateDir: string;
  let session: DevSession | undefined;
  const logs: string[] = [];

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-dev-"));
  });
  afterEach(async () => {
    await session?.stop();
    session = undefined;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("updates the fleet over the air on each device-code edit, and only then", async () => {
    const entry = writeFeatures({ "app.ts": source(1, "Level") }, "dev-app");
    session = await DevSession.start({ entry, secrets: {}, devices: 2, port: 0, stateDir, dashboardBundleDir: null, log: (l) => logs.push(l) });
    const { cloud } = session;
    const rows = () => cloud.monitor.devices();
    await waitFor("both devices on v1", () => rows().length === 2 && rows().every((r) => r.online && r.ota === "SUCCEEDED" && r.lastMessage === "level = 1"), 15_000);
    const v1 = rows()[0].version;
    assert.ok(/^[0-9a-f]{64}$/.test(v1));

    fs.writeFileSync(entry, source(2, "Level"));
    await waitFor("both devices on v2", () => rows().every((r) => r.version !== v1 && r.lastMessage === "level = 2"), 15_000);
    const v2 = rows()[0].version;
    assert.ok(logs.some((l) => /rebuilt in \d+ ms: device code changed, version [0-9a-f]{12}, OTA job dev-app-/.test(l)), logs.join("\n"));

    // Dashboard-only change: the web snapshot changes, the device version doesn't.
    const jobsBefore = logs.filter((l) => /OTA job dev-app-/.test(l)).length;
    fs.writeFileSync(entry, source(2, "Tank level"));
    await waitFor("web-only rebuild", () => logs.some((l) => l.includes("dashboard updated, no OTA job")));
    assert.equal(logs.filter((l) => /OTA job dev-app-/.test(l)).length, jobsBefore);
    assert.ok(rows().every((r) => r.version === v2));

    // A save that changes nothing the build makes (a comment): it says so, nothing looks updated.
    fs.writeFileSync(entry, source(2, "Tank level") + "// a comment\n");
    await waitFor("the no-change rebuild", () => logs.some((l) => l.includes("device code unchanged, dashboard unchanged, no OTA job")));
    assert.equal(logs.filter((l) => l.includes("dashboard updated, no OTA job")).length, 1, logs.join("\n"));

    // A build error keeps the fleet on the last good version.
    fs.writeFileSync(entry, "export function App(api) { api.newCommsChannel(; }");
    await waitFor("build error", () => logs.some((l) => l.startsWith("build failed, the fleet keeps running the last good version")));
    assert.ok(rows().every((r) => r.version === v2 && r.online));
  });

  for (const where of ["in fleet hosts", "in this process"] as const) {
    it(`a new device ${where} is in the job's group before it connects: its first start-next gets the job, no notify-next sends it back`, async () => {
      const entry = writeFeatures({ "app.ts": source(1, "Level") }, "dev-app");
      // What the device asks (its requests pass the broker) and what it is told through it (notify-next).
      const heard: string[] = [];
      session = await DevSession.start({
        entry, secrets: {}, devices: 2, port: 0, stateDir, dashboardBundleDir: null, watch: false,
        sharedThreadsAbove: where === "in fleet hosts" ? 1 : undefined,
        log: () => {},
        onCloud: (cloud) => {
          cloud.broker.aedes.on("client", (client) => client.id === "sim-1" && heard.push("connected"));
          cloud.broker.aedes.on("publish", (packet) => {
            if (packet.topic.startsWith("$aws/things/sim-1/jobs/")) heard.push(`${packet.topic.slice("$aws/things/sim-1/jobs/".length)} ${packet.payload.toString()}`);
          });
        },
      });
      const rows = () => session!.cloud.monitor.devices();
      await waitFor("both devices on v1", () => rows().length === 2 && rows().every((r) => r.online && r.ota === "SUCCEEDED"), 30_000);
      await waitFor("sim-1's start-next after its install", () => heard.filter((h) => h.startsWith("start-next ")).length === 2, 10_000);
      const startNexts = heard.filter((h) => h.startsWith("start-next "));
      // Joining after the connect made a third start-next (the first one's answer empty), after a
      // notify-next with the job sent to the connected device. It is now sent while the device
      // isn't connected yet (AWS sends it when the next job changes, connected or not), so no
      // connection of this first start was subscribed to it.
      assert.equal(startNexts.length, 2, heard.join("\n"));
      const connected = heard.indexOf("connected");
      assert.ok(connected >= 0, heard.join("\n"));
      assert.deepEqual(heard.slice(connected).filter((h) => h.startsWith("notify-next ") && h.includes('"execution"')), [], heard.join("\n"));
      assert.ok(heard.some((h) => /^[^/]+\/update .*"SUCCEEDED"/.test(h)), heard.join("\n"));
    });

    it(`a device that can't start doesn't stop the fleet ${where}: it is named with its reason, the others run; none started is an error`, async () => {
      const entry = writeFeatures({ "app.ts": source(1, "Level") }, "dev-app");
      // sim-2's flash is unusable (its state dir is a file): its start fails as a refused
      // connect would, after the fleet's start has begun (the connect itself: firmware/comms tests).
      fs.mkdirSync(path.join(stateDir, "devices"), { recursive: true });
      fs.writeFileSync(path.join(stateDir, "devices", "sim-2"), "not a directory");
      const sharedThreadsAbove = where === "in fleet hosts" ? 1 : undefined;
      const lines: string[] = [];
      session = await DevSession.start({ entry, secrets: {}, devices: 3, port: 0, stateDir, dashboardBundleDir: null, watch: false, sharedThreadsAbove, log: (l) => lines.push(l) });
      assert.equal(session.hostPids.length, where === "in fleet hosts" ? 1 : 0);
      const rows = () => session!.cloud.monitor.devices();
      await waitFor("sim-1 and sim-3 on v1", () => rows().filter((r) => r.online && r.ota === "SUCCEEDED").length === 2, 30_000);
      // sim-2 joined the fleet before its start failed: it is listed, offline, as an unplugged board.
      assert.deepEqual(rows().filter((r) => r.online).map((r) => r.thing).sort(), ["sim-1", "sim-3"]);
      assert.deepEqual(rows().filter((r) => !r.online).map((r) => r.thing), ["sim-2"]);
      assert.deepEqual(session.notStarted.map((d) => d.thing), ["sim-2"]);
      assert.match(session.notStarted[0].reason, /sim-2/);
      assert.ok(lines.some((l) => l.startsWith("[sim-2] did not start, the fleet goes on without it: ")), lines.join("\n"));
      assert.ok(lines.includes("2 of 3 devices started; not started (reasons above): sim-2"), lines.join("\n"));
      await session.stop();
      session = undefined;

      // sim-1 unusable too, a fleet of two: nothing starts, so the session fails (and `snapfleet dev` exits non-zero).
      fs.rmSync(path.join(stateDir, "devices", "sim-1"), { recursive: true });
      fs.writeFileSync(path.join(stateDir, "devices", "sim-1"), "not a directory");
      await assert.rejects(
        DevSession.start({ entry, secrets: {}, devices: 2, port: 0, stateDir, dashboardBundleDir: null, watch: false, sharedThreadsAbove, log: () => {} }).then((s) => (session = s)),
        /none of the 2 devices started; sim-[12]: .*sim-[12]/,
      );
    });
  }

  it("an entry in the project's root with the state dir beside it (dev index.ts): what the devices write there rebuilds nothing", async () => {
    const entry = writeFeatures({ "app.ts": source(1, "Level") }, "dev-flat-app");
    const inside = path.join(path.dirname(entry), ".snapfleet");
    const lines: string[] = [];
    session = await DevSession.start({ entry, secrets: {}, devices: 2, port: 0, stateDir: inside, dashboardBundleDir: null, log: (l) => lines.push(l) });
    const rows = () => session!.cloud.monitor.devices();
    await waitFor("both devices on v1", () => rows().length === 2 && rows().every((r) => r.ota === "SUCCEEDED" && r.lastMessage === "level = 1"), 15_000);
    // The installs wrote slots, ota.json and the registry under the state dir; a second's messages more.
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(lines.filter((l) => /^rebuilt|^build failed/.test(l)), []);
    fs.writeFileSync(entry, source(2, "Level"));
    await waitFor("an edit still rebuilds", () => lines.some((l) => /^rebuilt in \d+ ms: device code changed/.test(l)));
  });

  it("a state dir another app's fleet ran in is refused before anything starts, naming both apps and what to do (its devices would publish on the old app's topics and be disconnected forever)", async () => {
    const entry = writeFeatures({ "app.ts": source(1, "Level") }, "dev-owner-app");
    session = await DevSession.start({ entry, app: "greenhouse", secrets: {}, devices: 1, port: 0, stateDir, dashboardBundleDir: null, watch: false, log: () => {} });
    await waitFor("the device on v1", () => session!.cloud.monitor.devices()[0]?.ota === "SUCCEEDED");
    await session.stop();
    session = undefined;
    await assert.rejects(
      DevSession.start({ entry, app: "greenhouse-2", secrets: {}, devices: 1, port: 0, stateDir, dashboardBundleDir: null, watch: false, log: () => {} }),
      (e: Error) => {
        assert.match(e.message, /holds the local cloud of app "greenhouse"/);
        assert.match(e.message, /this is app "greenhouse-2"/);
        assert.match(e.message, /--state-dir DIR/);
        assert.match(e.message, /--app greenhouse\b/);
        return true;
      },
    );
    // The same app goes on in it.
    session = await DevSession.start({ entry, app: "greenhouse", secrets: {}, devices: 1, port: 0, stateDir, dashboardBundleDir: null, watch: false, log: () => {} });
  });

  it("a secret added while the CLI runs: the hint names the --secrets-file given, whose new values the next rebuild uses", async () => {
    const entry = writeFeatures({ "app.ts": source(1, "Level") }, "dev-secret-app");
    const secretsFile = path.join(stateDir, "dev-secrets.json");
    fs.writeFileSync(secretsFile, "{}\n");
    const bin = path.join(__dirname, "..", "bin/snapfleet.js");
    // Run from the entry's folder, as `npx snapfleet dev app.ts` in a flat project.
    const child = spawn(process.execPath, [bin, "dev", path.basename(entry), "--port", "0", "--devices", "1", "--state-dir", path.join(stateDir, "state"), "--secrets-file", secretsFile], { cwd: path.dirname(entry), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor("the device on v1", () => /SUCCEEDED +level = 1/.test(out), 60_000);
      assert.match(out, /^edit \.\/ to rebuild and OTA-update the fleet; Ctrl-C stops$/m, "the folder to edit, not the root \"/\"");
      const withSecret = source(2, "Level").replace("export function App(api: FeatureApi) {", "export function App(api: FeatureApi) {\n  const key = api.defineSecret(\"api-key\");\n  api.mcu.onStart(() => api.log(\"key length \" + key.value.length));");
      fs.writeFileSync(entry, withSecret);
      await waitFor("the missing secret", () => out.includes('missing value for secret "api-key"'), 60_000);
      assert.match(out, new RegExp(`hint: add \\{"api-key": "\\.\\.\\."\\} to ${secretsFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, or set SNAPFLEET_SECRET_API_KEY in the environment`));
      fs.writeFileSync(secretsFile, JSON.stringify({ "api-key": "k3y" }));
      fs.writeFileSync(entry, withSecret + "\n");
      await waitFor("the rebuild with the file's new value, installed", () => /rebuilt in \d+ ms: device code changed/.test(out) && /\[app\] key length 3/.test(out), 60_000);
      child.kill("SIGINT");
      assert.equal(await exited, 0, out);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("a hang-up (the terminal closed) stops the CLI as Ctrl-C does: devices, services, broker, exit 0", async () => {
    const entry = writeFeatures({ "app.ts": source(1, "Level") }, "dev-hangup-app");
    const bin = path.join(__dirname, "..", "bin/snapfleet.js");
    const child = spawn(process.execPath, [bin, "dev", entry, "--port", "0", "--devices", "1", "--state-dir", path.join(stateDir, "state")], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<[number | null, string | null]>((resolve) => child.on("exit", (code, signal) => resolve([code, signal])));
    try {
      await waitFor("the device on v1", () => /SUCCEEDED +level = 1/.test(out), 60_000);
      child.kill("SIGHUP");
      // Node's default for SIGHUP ends the process at once ([null, "SIGHUP"]): no device said offline.
      assert.deepEqual(await exited, [0, null], out);
      assert.match(out, /^stopping: devices, jobs, artifacts, dashboard, broker\n[\s\S]*^stopped$/m);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("a second dev on a state dir a running one uses says so in one line naming --state-dir, without a stack trace", async () => {
    const entry = writeFeatures({ "app.ts": source(1, "Level") }, "dev-busy-app");
    session = await DevSession.start({ entry, secrets: {}, devices: 1, port: 0, stateDir, dashboardBundleDir: null, watch: false, log: () => {} });
    const bin = path.join(__dirname, "..", "bin/snapfleet.js");
    const failure = await promisify(execFile)(process.execPath, [bin, "dev", entry, "--devices", "1", "--port", "0", "--seconds", "5", "--state-dir", stateDir]).then(
      () => undefined,
      (e: { stderr: string; code: number }) => e,
    );
    assert.ok(failure, "the second dev fails");
    assert.equal(failure.code, 1);
    assert.match(failure.stderr, /^snapfleet dev: state dir .* is in use by another snapfleet dev \(or local cloud\): stop that one, or pass --state-dir DIR for another\n$/);
  });

  it("--stages rolls each version out in stages, as ota.stages does: the first stage's devices install it, the others wait", async () => {
    const entry = writeFeatures({ "app.ts": source(1, "Level") }, "dev-stages");
    const stages = stagesFromFlag("50/10,100");
    session = await DevSession.start({ entry, secrets: {}, devices: 4, port: 0, stateDir, dashboardBundleDir: null, stages, log: (l) => logs.push(l) });
    const { cloud } = session;
    const first = ["sim-1", "sim-2", "sim-3", "sim-4"].filter((thing) => stageOfThing(thing, stages) === 0);
    assert.ok(first.length > 0 && first.length < 4, `both stages hold some of the four (first: ${first.join(", ")})`);
    const rows = () => cloud.monitor.devices();
    await waitFor("the first stage on v1", () => rows().filter((r) => first.includes(r.thing)).every((r) => r.online && r.ota === "SUCCEEDED") && rows().length === 4, 30_000);
    // The second stage waits its ten minutes: no job offered to it yet.
    for (const row of rows().filter((r) => !first.includes(r.thing))) assert.notEqual(row.ota, "SUCCEEDED", `${row.thing} is in stage 2`);
    assert.ok(logs.some((l) => /rollout: dev-stages-\S+ stage 1 of 2 \(50% of the fleet\)/.test(l)), logs.join("\n"));
  });

  it("the CLI checks its flags and says what to use", async function () {
    // 15 CLI processes, each loading the whole CLI: 23-55 s on CI, over 90 s on a machine running
    // two test runs at once (npm test runs two mocha processes, scripts/test.mjs).
    this.timeout(300_000);
    const run = promisify(execFile);
    const bin = path.join(__dirname, "..", "bin/snapfleet.js");
    // An empty folder as the working directory: a refusal that came after the emulated image's
    // build would leave build/firmware/ there.
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "sf-dev-flags-"));
    for (const [args, message] of [
      [["dev"], /dev takes one entry file/],
      [["dev", "x.ts", "--devices", "0"], /--devices must be a whole number from 1 to 1000, got 0/],
      [["dev", "x.ts", "--devices", "1001"], /--devices must be a whole number from 1 to 1000, got 1001/],
      [["dev", "x.ts", "--port", "http"], /--port must be a whole number from 0 to 65533, got http/],
      [["dev", "x.ts", "--device-runtime", "arduino"], /--device-runtime must be typescript, native or qemu, got arduino/],
      [["dev", "x.ts", "--device-runtime", "qemu", "--device-target", "cortex-m0plus"], /^snapfleet dev: --device-target must be cortex-m33 \(the default\), cortex-m33-tz or cortex-m33-tz-supervisor, got cortex-m0plus$/m],
      [["dev", "x.ts", "--device-target", "cortex-m33-tz-supervisor"], /^snapfleet dev: --device-target needs --device-runtime qemu \(it chooses the emulated board's build: cortex-m33 \(the default\), cortex-m33-tz or cortex-m33-tz-supervisor\), got --device-runtime typescript$/m],
      // The emulated images are the "simulated" board and refuse a package built for another:
      // said before anything is built, not as every OTA job ending FAILED.
      [["dev", "x.ts", "--device-runtime", "qemu", "--board", "esp32-devkitc"], /^snapfleet dev: --board esp32-devkitc can't run on --device-runtime qemu: the emulated board's image \(cortex-m33\) is the "simulated" board and refuses every update built for another \(each OTA job would end FAILED\); leave --board out \(or --board simulated\) with --device-runtime qemu, or run esp32-devkitc devices with --device-runtime typescript or native$/m],
      [["dev", "x.ts", "--device-runtime", "qemu", "--device-target", "cortex-m33-tz-supervisor", "--board", "nano-33-iot"], /^snapfleet dev: --board nano-33-iot can't run on --device-runtime qemu: the emulated board's image \(cortex-m33-tz-supervisor\) is the "simulated" board/m],
      [["dev", "x.ts", "--stages", "10/1,50"], /--stages: invalid stages:\n  - stages\[1\]\.percent is 50; the last stage must be 100[\s\S]*\(--stages takes PERCENT\/WAIT_MINUTES per stage, the last 100 alone, e\.g\. --stages 10\/1,50\/1,100\)/],
      [["dev", "x.ts", "--stages", "10,100"], /stages\[0\]\.waitMinutes is missing/],
      [["dev", "x.ts", "--stages", "ten/1,100"], /--stages: stage 1's PERCENT is "ten", not a number/],
      [["dev", "x.ts", "--stages", "10/1.5,100"], /stages\[0\]\.waitMinutes is 1\.5; give whole minutes/],
      [["dev", "x.ts", "--stages", "10/1/2,100"], /--stages: stage 1 is "10\/1\/2"; write each stage as PERCENT\/WAIT_MINUTES/],
    ] as const) {
      const failure = await run(process.execPath, [bin, ...args], { cwd }).then(() => undefined, (e: { stderr: string; code: number }) => e);
      assert.ok(failure, `${args.join(" ")} should fail`);
      assert.equal(failure.code, 1);
      assert.match(failure.stderr, message);
      assert.ok(!fs.existsSync(path.join(cwd, "build")), `${args.join(" ")}: refused before any firmware was built`);
    }
    fs.rmSync(cwd, { recursive: true, force: true });
  });
});
