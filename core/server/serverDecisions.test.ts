/** The server host's decisions at their edges (core/server/serverDecisions.ts): serverHost.test.ts
 * runs them through a compiled app; here each bound and refusal is pinned down. */
import assert from "node:assert/strict";
import type { ChannelDecl } from "../contracts/manifest";
import { addressedDevice, alertText, BoundedQueue, FLEET_VM, MAX_ALERT_CHARS, MAX_QUEUED_PER_VM, resumeDecision, vmKey } from "./serverDecisions";

const channel = (direction: ChannelDecl["direction"]): ChannelDecl => ({ name: "setpoint", qos: 1, direction, replay: 0 });
const FLEET = new Set(["gh-1", "gh-2"]);

describe("server decisions (core/server/serverDecisions.ts)", () => {
  it("keys a device's VM by the device and the fleet's by a name no thing can have", () => {
    assert.equal(vmKey({ kind: "device", device: "gh-1" }), "gh-1");
    assert.equal(vmKey({ kind: "fleet" }), FLEET_VM);
    assert.equal(FLEET_VM, "_fleet");
  });

  it("resumes a stored state only when the same build made it, and says why not otherwise", () => {
    const build = "a".repeat(64);
    assert.deepEqual(resumeDecision(undefined, build), { resume: false });
    assert.deepEqual(resumeDecision({ build }, build), { resume: true });
    assert.deepEqual(resumeDecision({ build: `${"b".repeat(12)}${"c".repeat(52)}` }, build), {
      resume: false,
      reason: `its state was made by another build (${"b".repeat(12)}); it starts fresh with build ${"a".repeat(12)}`,
    });
  });

  it("a device's VM sends to its own device only; the fleet VM must name a device of the fleet", () => {
    const device = { kind: "device", device: "gh-1" } as const;
    assert.equal(addressedDevice(device, channel("both"), undefined, FLEET), "gh-1");
    assert.equal(addressedDevice(device, channel("server-to-device"), "gh-1", FLEET), "gh-1");
    const other = addressedDevice(device, channel("both"), "gh-2", FLEET);
    assert.ok(other instanceof Error);
    assert.equal(other.message, `channel "setpoint".sendToDevice(value, "gh-2"): an api.server.onDevice handler sends to its own device ("gh-1") only; send to other devices from api.server.onFleet`);

    const fleet = { kind: "fleet" } as const;
    assert.equal(addressedDevice(fleet, channel("both"), "gh-2", FLEET), "gh-2");
    const unnamed = addressedDevice(fleet, channel("both"), undefined, FLEET);
    assert.ok(unnamed instanceof Error);
    assert.match(unnamed.message, /^channel "setpoint"\.sendToDevice\(value\): in api\.server\.onFleet, name the device/);
    const stranger = addressedDevice(fleet, channel("both"), "gh-3", FLEET);
    assert.ok(stranger instanceof Error);
    assert.equal(stranger.message, `channel "setpoint".sendToDevice(value, "gh-3"): no device of that name in the fleet; fleet.devices lists the devices`);
  });

  it("never addresses a name that isn't a thing name, even one the fleet list holds by mistake", () => {
    const odd = new Set(["gh-1", "GH-1", "a/b", ""]);
    for (const name of ["GH-1", "a/b", ""]) assert.ok(addressedDevice({ kind: "fleet" }, channel("both"), name, odd) instanceof Error, JSON.stringify(name));
  });

  it("refuses a send on a device-to-server channel from either VM, saying how to declare it", () => {
    for (const vm of [{ kind: "device", device: "gh-1" } as const, { kind: "fleet" } as const]) {
      const refused = addressedDevice(vm, channel("device-to-server"), "gh-1", FLEET);
      assert.ok(refused instanceof Error);
      assert.equal(refused.message, `channel "setpoint" is "device-to-server": the server can't send on it; declare it with direction "both" or "server-to-device"`);
    }
  });

  it("alerts are one line of at most MAX_ALERT_CHARS, never empty", () => {
    assert.equal(MAX_ALERT_CHARS, 500);
    assert.equal(alertText("  pump\n\tstuck  open "), "pump stuck open");
    const exact = "x".repeat(MAX_ALERT_CHARS);
    assert.equal(alertText(exact), exact, "exactly the limit is kept whole");
    const long = alertText(`${"y".repeat(MAX_ALERT_CHARS)}z`);
    assert.equal(typeof long === "string" && long.length, MAX_ALERT_CHARS);
    assert.equal(long, `${"y".repeat(MAX_ALERT_CHARS - 1)}…`, "cut with an ellipsis that says so");
    for (const empty of ["", "  \n\t "]) {
      const refused = alertText(empty);
      assert.ok(refused instanceof Error, JSON.stringify(empty));
      assert.equal(refused.message, "api.server.notify(text): the text is empty; say what happened");
    }
  });

  it("a VM's queue holds its limit, then drops the oldest and counts each drop", () => {
    assert.equal(MAX_QUEUED_PER_VM, 10_000);
    const queue = new BoundedQueue<number>(3);
    for (const n of [1, 2, 3]) queue.push(n);
    assert.equal(queue.length, 3);
    assert.equal(queue.dropped, 0, "exactly the limit drops nothing");
    queue.push(4);
    queue.push(5);
    assert.equal(queue.length, 3);
    assert.equal(queue.dropped, 2);
    assert.deepEqual(queue.drain(), [3, 4, 5], "oldest first, the dropped ones gone");
    assert.equal(queue.length, 0);
    assert.deepEqual(queue.drain(), []);
    queue.push(6);
    assert.deepEqual(queue.drain(), [6], "usable again after a drain");
    assert.equal(queue.dropped, 2, "drops stay counted");
  });
});
