/** A/B slots as the README's OTA section promises them: an update is staged in the slot the
 * running app is not in, the active slot survives restarts (`ota.json`), every read re-verifies
 * the package, and a failed version is forgotten so it is never swapped back in. */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodeDevicePackage } from "../../core/contracts/devicePackage";
import type { Manifest } from "../../core/contracts/manifest";
import { SlotStore, type Slot } from "./slotStore";

const sha = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex");

/** A package as the cloud builds it; each `n` is another version. */
function packageOf(n: number): { bytes: Uint8Array; version: string } {
  const snapshot = new Uint8Array([n, n + 1, n + 2, 7]);
  const version = sha(snapshot);
  const manifest: Manifest = {
    app: "slots",
    version,
    engine: "microvium-8.0.0/bytecode-8",
    channels: [],
    secrets: [],
    controls: [],
    pins: [],
    snapshots: { device: { sha256: version, size: snapshot.length }, web: { sha256: "0".repeat(64), size: 1 }, server: { sha256: "0".repeat(64), size: 1 } },
  };
  return { bytes: encodeDevicePackage(manifest, snapshot).bytes, version };
}

const v1 = packageOf(1);
const v2 = packageOf(2);
const v3 = packageOf(3);

describe("OTA A/B slots (slotStore)", () => {
  let dir: string;
  beforeEach(() => {
    // Nested and not there yet: a device's first boot creates its state dir.
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sf-slots-")), "devices", "gh-1");
  });
  afterEach(() => fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true }));

  /** Installs `pkg` the way the agent does: stage, then activate. */
  const install = (store: SlotStore, pkg: { bytes: Uint8Array; version: string }): Slot => {
    const slot = store.stage(pkg.bytes, pkg.version);
    store.activate(slot);
    return slot;
  };

  it("a new device has no app: no active slot, no version, nothing to boot or roll back to", () => {
    const store = new SlotStore(dir);
    assert.ok(fs.statSync(dir).isDirectory(), "the state dir is created");
    assert.equal(store.activeSlot, undefined);
    assert.equal(store.activeVersion, undefined);
    assert.equal(store.readActive(), undefined);
    assert.equal(store.previousSlot, undefined);
  });

  it("an update is staged in the slot the running app is not in, every time, and the running app's package stays intact", () => {
    const store = new SlotStore(dir);
    let running = install(store, v1);
    for (const next of [v2, v3, v1, v2]) {
      const staged = store.stage(next.bytes, next.version);
      assert.notEqual(staged, running, "never over the running app");
      assert.equal(store.activeSlot, running, "staging doesn't switch");
      assert.deepEqual(store.readSlot(staged).manifest.version, next.version);
      assert.equal(store.readActive()!.manifest.version, store.activeVersion, "the running app's package is still whole");
      store.activate(staged);
      assert.equal(store.previousSlot, running, "the version it replaced is the one to go back to");
      running = staged;
      assert.equal(store.activeVersion, next.version);
      assert.equal(store.readActive()!.manifest.version, next.version);
    }
  });

  it("the active slot and versions survive a restart (ota.json), written without a temp file left behind", () => {
    const first = new SlotStore(dir);
    const a = install(first, v1);
    const b = install(first, v2);
    const restarted = new SlotStore(dir);
    assert.equal(restarted.activeSlot, b);
    assert.equal(restarted.activeVersion, v2.version);
    assert.equal(restarted.readActive()!.manifest.version, v2.version);
    assert.equal(restarted.previousSlot, a, "the earlier version is still there to go back to");
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp")), []);
  });

  it("a staged version is no version to boot or roll back to until activated, also after a restart", () => {
    const fresh = new SlotStore(dir);
    const a = fresh.stage(v1.bytes, v1.version);
    assert.deepEqual(fs.readdirSync(dir), [`slot-${a}.sfpk`], "staging on a new device writes its slot only");
    assert.equal(new SlotStore(dir).activeSlot, undefined, "a restart before activation boots nothing");
    fresh.activate(a);
    install(fresh, v2);
    // v1 is the version to go back to; staging v3 overwrites its slot.
    const over = fresh.stage(v3.bytes, v3.version);
    assert.equal(over, a);
    const restarted = new SlotStore(dir);
    assert.equal(restarted.activeVersion, v2.version);
    assert.equal(restarted.previousSlot, undefined, "ota.json no longer names v1, whose bytes were overwritten");
    assert.equal(restarted.readSlot(a).manifest.version, v3.version);
  });

  it("every read re-verifies the package: a damaged slot is refused, not booted", () => {
    const store = new SlotStore(dir);
    const slot = install(store, v1);
    const file = path.join(dir, `slot-${slot}.sfpk`);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(file, bytes);
    assert.throws(() => store.readActive(), /sha256|snapshot/i);
    assert.throws(() => store.readSlot(slot), /sha256|snapshot/i);
  });

  it("the previous slot is there only when another, earlier version is installed beside the active one", () => {
    const store = new SlotStore(dir);
    store.stage(v1.bytes, v1.version);
    assert.equal(store.previousSlot, undefined, "a staged version with nothing active is no previous version");
    const store2 = new SlotStore(path.join(path.dirname(dir), "gh-2"));
    install(store2, v1);
    assert.equal(store2.previousSlot, undefined, "one version installed: nothing to go back to");
    const same = store2.stage(v1.bytes, v1.version);
    assert.equal(store2.previousSlot, undefined, "the same version in the other slot is not an earlier one");
    store2.activate(same);
    assert.equal(store2.previousSlot, undefined);
    const first = install(store, v1);
    install(store, v2);
    assert.equal(store.previousSlot, first);
  });

  it("a rollback goes back to the previous slot and forgets the failed version, also after a restart", () => {
    const store = new SlotStore(dir);
    const good = install(store, v1);
    install(store, v2);
    store.rollBackTo(store.previousSlot!);
    assert.equal(store.activeSlot, good);
    assert.equal(store.activeVersion, v1.version);
    assert.equal(store.readActive()!.manifest.version, v1.version);
    assert.equal(store.previousSlot, undefined, "the failed version can't be swapped back in");
    const restarted = new SlotStore(dir);
    assert.equal(restarted.activeVersion, v1.version);
    assert.equal(restarted.previousSlot, undefined);
  });

  it("a staged version that failed its install is forgotten; discarding the running slot changes nothing", () => {
    const store = new SlotStore(dir);
    const running = install(store, v1);
    const failed = store.stage(v2.bytes, v2.version);
    store.discard(failed);
    assert.equal(store.previousSlot, undefined, "the failed version is no rollback target");
    assert.equal(new SlotStore(dir).previousSlot, undefined, "forgotten in ota.json too");
    store.discard(running);
    assert.equal(store.activeVersion, v1.version);
    assert.equal(new SlotStore(dir).activeVersion, v1.version);
    // A later install lands beside v1, which stays the one to go back to.
    install(store, v3);
    assert.equal(store.previousSlot, running);
    assert.equal(new SlotStore(dir).previousSlot, running);
  });
});
