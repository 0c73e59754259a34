import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FeatureWatcher } from "./featureWatcher";

describe("feature watcher: rebuild on edit", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-watch-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const waitFor = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it("coalesces a burst of saves into one build and never overlaps builds", async () => {
    let builds = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const watcher = new FeatureWatcher({
      dir,
      debounceMs: 50,
      rebuild: async () => {
        builds++;
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        // Long enough that both edits below land while it runs.
        await new Promise((r) => setTimeout(r, 500));
        concurrent--;
      },
      onError: (e) => assert.fail(e),
    });
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(dir, "app.ts"), `// ${i}`);
    await waitFor(() => builds === 1);
    // An edit during the build: exactly one more build after it.
    fs.writeFileSync(path.join(dir, "sensor.ts"), "// edit");
    await new Promise((r) => setTimeout(r, 100));
    fs.writeFileSync(path.join(dir, "sensor.ts"), "// edit 2");
    await waitFor(() => builds === 2);
    await watcher.idle();
    watcher.close();
    assert.equal(builds, 2);
    assert.equal(maxConcurrent, 1);
  });

  it("reports a failing build and keeps watching; ignores non-source files", async () => {
    const errors: string[] = [];
    let builds = 0;
    const watcher = new FeatureWatcher({
      dir,
      debounceMs: 30,
      rebuild: async () => {
        builds++;
        if (builds === 1) throw new Error("syntax error in app.ts:3:1");
      },
      onError: (e) => errors.push(e.message),
    });
    fs.writeFileSync(path.join(dir, "notes.txt"), "not a feature");
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(builds, 0);
    fs.writeFileSync(path.join(dir, "app.ts"), "x");
    await waitFor(() => errors.length === 1);
    fs.writeFileSync(path.join(dir, "app.ts"), "y");
    await waitFor(() => builds === 2);
    await watcher.idle();
    watcher.close();
    assert.deepEqual(errors, ["syntax error in app.ts:3:1"]);
    assert.equal(builds, 2);
  });

  it("keeps watching a file saved by rename (sed -i, mv, vim's backup-and-rename), and new folders", async () => {
    const app = path.join(dir, "app.ts");
    fs.writeFileSync(app, "// 0");
    let builds = 0;
    const watcher = new FeatureWatcher({
      dir,
      debounceMs: 30,
      rebuild: async () => {
        builds++;
      },
      onError: (e) => assert.fail(e),
    });
    /** One save, then wait for the build it causes. */
    const save = async (what: string, edit: () => void) => {
      const before = builds;
      edit();
      await waitFor(() => builds > before);
      await watcher.idle();
      assert.equal(builds, before + 1, `${what}: no rebuild`);
    };
    try {
      await save("sed -i", () => execFileSync("sed", ["-i", "s/0/1/", app]));
      await save("write after sed -i", () => fs.writeFileSync(app, "// 2"));
      await save("mv over the file", () => {
        fs.writeFileSync(path.join(dir, "app.ts.new"), "// 3");
        execFileSync("mv", [path.join(dir, "app.ts.new"), app]);
      });
      await save("write after mv", () => fs.writeFileSync(app, "// 4"));
      await save("vim: rename to a backup, write anew, delete the backup", () => {
        fs.renameSync(app, `${app}~`);
        fs.writeFileSync(app, "// 5");
        fs.unlinkSync(`${app}~`);
      });
      await save("write after vim", () => fs.writeFileSync(app, "// 6"));
      await save("a file in a new folder", () => {
        fs.mkdirSync(path.join(dir, "sensors"));
        fs.writeFileSync(path.join(dir, "sensors", "soil.ts"), "// soil");
      });
      await save("sed -i in the new folder", () => execFileSync("sed", ["-i", "s/soil/moisture/", path.join(dir, "sensors", "soil.ts")]));
      await save("write in the new folder after sed -i", () => fs.writeFileSync(path.join(dir, "sensors", "soil.ts"), "// 7"));
      assert.equal(fs.readFileSync(app, "utf8"), "// 6");
    } finally {
      watcher.close();
    }
  });
});
