/** The local cloud opens its SQLite file once and hands that connection to every concept that
 * stores there (approvals, shadows, history, server VM state): counted as the process's open
 * file descriptors on the database file (Linux /proc). */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { writeApp } from "../../test/support/tempFeatures";
import { databaseFile } from "../database/localDatabase";
import { LocalCloud } from "./localCloud";

const openDescriptors = (file: string) =>
  fs.readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;

describe("local cloud database connection", function () {
  this.timeout(60_000);
  it("opens the state dir's SQLite file once, and closes it when the cloud stops", async function () {
    if (!fs.existsSync("/proc/self/fd")) this.skip();
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-one-db-"));
    try {
      const build = await compileFeatures({ entry: writeApp(`  const t = api.newCommsChannel<number>("t", { history: { days: 1 } });\n  api.server.onDevice(() => t.addEventListener("messageFromDevice", () => {}));`) });
      const cloud = await LocalCloud.start({ stateDir, build, port: 0, dashboardBundleDir: null });
      const file = databaseFile(stateDir);
      assert.equal(openDescriptors(file), 1, "one connection for approvals, shadows, history and server state");
      await cloud.stop();
      assert.equal(openDescriptors(file), 0);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
