/** Every topic an app listens on reaches it over the link (issue 12's bug: the link kept 6
 * subscriptions and the supervisor ignored its "busy", so an app with more than 3 incoming
 * channels heard nothing on the others). The Cortex-M33 image on QEMU's mps2-an505 runs
 * `snapfleet-device connect`; the co-processor (in this process, the in-memory cloud) installs
 * an app with settings and 5 incoming channels (10 subscriptions) over the link; then a message
 * on each channel's down topic and on its broadcast topic must come back from the app. Skipped,
 * saying why, without qemu-system-arm or the arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { ENGINE_ID } from "../../core/compiler/engineId";
import { EnvelopeSender } from "../../core/contracts/envelope";
import { encodeDevicePackage } from "../../core/contracts/devicePackage";
import { topics } from "../../core/contracts/topics";
import { crossToolchainUnavailable } from "../../test/support/crossToolchain";
import { writeApp } from "../../test/support/tempFeatures";
import { waitFor } from "../../test/support/waitFor";
import { InMemoryTransport } from "../transport";
import { qemuUnavailable, startQemuBoard } from "../native/ports/mps2-an505/qemuBoard";
import { Coprocessor } from "./coprocessor";
import { skipIfUnavailable } from "../../test/support/skipIfUnavailable";

const ROOT = path.resolve(__dirname, "../..");
const THING = "qemu-subs";
const INCOMING = ["first", "second", "third", "fourth", "fifth"];

/** Settings (the settings shadow's 4 answer topics on a device that keeps them) and 5 incoming
 * channels, each echoed on `echo` with its name. */
const APP_BODY = `  api.defineSetting("interval", { default: 1000, min: 100, max: 60000 });
  api.defineSetting("mode", { default: "auto" });
  const echo = api.newCommsChannel("echo", { direction: "device-to-server", qos: 1 });
${INCOMING.map((name) => `  api.newCommsChannel("${name}", { direction: "server-to-device" }).addEventListener("messageFromServer", (v: any) => echo.pushMessageToServer("${name}:" + v));`).join("\n")}`;

describe("subscriptions over the link: an app with settings and more incoming channels than the old table held", function () {
  this.timeout(300_000);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-link-subs-"));
  const coprocessors: Coprocessor[] = [];
  let board: ChildProcess | undefined;
  let server: net.Server | undefined;
  let console_ = "";

  before(async function () {
    skipIfUnavailable(this, qemuUnavailable() ?? crossToolchainUnavailable());
  });

  after(() => {
    coprocessors.forEach((c) => c.close());
    board?.kill("SIGKILL");
    server?.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("delivers a message on the last channel (its own and its broadcast topic) to the app", async () => {
    const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    const { program: image } = await buildFirmware({ target: "cortex-m33", log: () => {} });
    const build = await compileFeatures({ entry: writeApp(APP_BODY) });
    assert.equal(build.manifest.settings?.length, 2, "the app declares settings");
    const app = build.manifest.app;

    const cloud = new InMemoryTransport();
    server = net.createServer((socket) => coprocessors.push(new Coprocessor({ link: socket, cloud })));
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    board = startQemuBoard({ image, deviceArgs: ["connect", "--thing", THING, "--state", stateDir], secondSerial: `tcp:127.0.0.1:${port},reconnect=1` });
    board.stdout!.setEncoding("utf8").on("data", (d: string) => (console_ += d));
    board.stderr!.setEncoding("utf8").on("data", (d: string) => (console_ += d));
    await waitFor("the board's link to come up", () => coprocessors[0]?.session.up === true, 60_000);

    const pkg = encodeDevicePackage(build.manifest, build.snapshots.device);
    const installed = await coprocessors[0].install(pkg, { jobId: "job-subs", version: build.manifest.version, engine: ENGINE_ID }, 120_000);
    assert.deepEqual(installed, { status: "SUCCEEDED" }, console_);

    // What the app listens on, as the cloud sees the co-processor's subscriptions.
    const wanted = INCOMING.flatMap((name) => [topics.down(app, THING, name), topics.broadcastDown(app, name)]);
    const missing = () => wanted.filter((t) => !cloud.subscribedTopics.includes(t));
    await waitFor("every down topic of the app subscribed", () => missing().length === 0, 20_000).catch(() => {
      assert.fail(`not subscribed after 20 s: ${missing().join(", ")} (subscribed: ${cloud.subscribedTopics.join(", ")})\n${console_}`);
    });

    const sender = new EnvelopeSender("cloud");
    const echoes = () => cloud.sent.filter((m) => m.topic === topics.up(app, THING, "echo")).map((m) => JSON.parse(m.payload).v as string);
    const last = INCOMING[INCOMING.length - 1];
    for (const topic of [topics.down(app, THING, last), topics.broadcastDown(app, last)]) {
      const before = echoes().length;
      cloud.inject(topic, sender.encode(topic, topic.includes("/_all/") ? "all" : "one", Date.now()));
      await waitFor(`the app's echo of a message on ${topic}`, () => echoes().length > before, 20_000).catch(() => {
        assert.fail(`no echo of the message on ${topic}; echoes so far: ${JSON.stringify(echoes())}\n${console_}`);
      });
    }
    assert.deepEqual(echoes(), [`${last}:one`, `${last}:all`]);
  });
});
