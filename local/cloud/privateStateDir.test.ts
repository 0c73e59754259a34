import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { usableStateDir } from "../../cli/stateDir";
import { makePrivateStateDir } from "./privateStateDir";

/** The state dir holds current/device.snap and the OTA slots, which carry the app's secret values,
 * next to private keys: another user of the machine must not be able to enter it. */
describe("the local cloud's state dir is its owner's alone", function () {
  if (process.platform === "win32") return;
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "sf-private-state-"))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const modeOf = (dir: string) => fs.statSync(dir).mode & 0o777;

  it("a new state dir (and the folders made for it) is 0700", () => {
    const stateDir = path.join(root, "a", "state");
    makePrivateStateDir(stateDir);
    assert.equal(modeOf(stateDir), 0o700);
    assert.equal(modeOf(path.join(root, "a")), 0o700);
  });

  it("an existing state dir others could enter is made 0700, so the secret-bearing snapshot written 0644 inside is out of their reach", () => {
    const stateDir = path.join(root, "state");
    fs.mkdirSync(path.join(stateDir, "current"), { recursive: true, mode: 0o755 });
    fs.chmodSync(stateDir, 0o755);
    fs.writeFileSync(path.join(stateDir, "current", "device.snap"), "secret", { mode: 0o644 });
    makePrivateStateDir(stateDir);
    assert.equal(modeOf(stateDir), 0o700);
  });

  it("a shared folder handed as the state dir (sticky, as /tmp) keeps its mode", () => {
    const shared = path.join(root, "shared");
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    makePrivateStateDir(shared);
    assert.equal(fs.statSync(shared).mode & 0o7777, 0o1777);
  });

  it("the CLI's commands (dev, claim, devices) make their state dir private", () => {
    const made = usableStateDir(path.join(root, "cli-state"));
    assert.equal(modeOf(made), 0o700);
    fs.chmodSync(made, 0o755);
    usableStateDir(made);
    assert.equal(modeOf(made), 0o700);
  });
});
