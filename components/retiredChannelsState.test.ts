/** The RetiredChannelsState provider, called as the Pulumi engine calls it (check, diff, then
 * create or update) across three deploys, in process and serialized into text and run in a fresh
 * `node` in an unrelated folder, as Pulumi's dynamic-provider host runs it. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ChannelShape } from "../core/policy/retiredChannels";
import { retiredChannelsProvider, type RetiredChannelsProps } from "./retiredChannelsState";

const d2s = (name: string): ChannelShape => ({ name, direction: "device-to-server" });

/** What the engine does with a dynamic resource over successive deploys; returns each deploy's retired set and whether it changed the state. */
const ENGINE = `
async function deploys(provider, builds) {
  let state;
  const seen = [];
  for (const channels of builds) {
    const news = { app: "tank", channels };
    const checked = (await provider.check(state ? state.inputs : {}, news)).inputs;
    if (!state) {
      const created = await provider.create(checked);
      state = { id: created.id, inputs: checked, outs: created.outs };
      seen.push({ retired: created.outs.retired, preview: checked.retired, changed: true });
      continue;
    }
    const { changes } = await provider.diff(state.id, state.outs, checked);
    if (changes) {
      const updated = await provider.update(state.id, state.outs, checked);
      state = { id: state.id, inputs: checked, outs: updated.outs };
    }
    seen.push({ retired: state.outs.retired, preview: checked.retired, changed: changes });
  }
  return seen;
}
`;

type Seen = Array<{ retired: string[]; preview: string[]; changed: boolean }>;

function inProcess(builds: ChannelShape[][]): Promise<Seen> {
  const run = new Function("provider", "builds", `${ENGINE}; return deploys(provider, builds);`) as (p: pulumi.dynamic.ResourceProvider<RetiredChannelsProps>, b: ChannelShape[][]) => Promise<Seen>;
  return run(retiredChannelsProvider(), builds);
}

describe("RetiredChannelsState provider (the retired set in the Pulumi state)", function () {
  this.timeout(60_000);

  it("retires a renamed channel at the deploy that renames it, keeps it for a deploy that doesn't change the channels, and lets it lapse at the next change", async () => {
    const builds: ChannelShape[][] = [[d2s("old")], [d2s("new")], [d2s("new")], [d2s("newer")]];
    assert.deepEqual(await inProcess(builds), [
      { retired: [], preview: [], changed: true },
      { retired: ["old"], preview: ["old"], changed: true },
      { retired: ["old"], preview: ["old"], changed: false },
      { retired: ["new"], preview: ["new"], changed: true },
    ]);
  });

  it("a change that only makes another channel publishable recomputes the set too (the right lives for one change)", async () => {
    const cmd = (direction: ChannelShape["direction"]): ChannelShape => ({ name: "cmd", direction });
    // "old" renamed; then "cmd" made "both" (devices may now publish on it): a change, so "old" lapses.
    const seen = await inProcess([[d2s("old"), cmd("server-to-device")], [d2s("new"), cmd("server-to-device")], [d2s("new"), cmd("both")], [d2s("new"), cmd("both")]]);
    assert.deepEqual(seen.map((s) => s.retired), [[], ["old"], [], []]);
  });

  it("runs serialized, in a fresh node whose folder has no node_modules", async () => {
    const provider = retiredChannelsProvider();
    const text = (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false })).text;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-retired-provider-"));
    try {
      fs.writeFileSync(path.join(dir, "provider.js"), text);
      fs.writeFileSync(
        path.join(dir, "runner.cjs"),
        `const fs = require("node:fs");
const provider = require(process.argv[2])(fs.readFileSync("provider.js", "utf8")).handler();
${ENGINE}
deploys(provider, JSON.parse(process.argv[3])).then((seen) => console.log(JSON.stringify(seen)), (e) => { console.error(String(e && e.stack || e)); process.exit(1); });
`,
      );
      const builds = [[d2s("old")], [d2s("new")]];
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ["runner.cjs", require.resolve("require-from-string"), JSON.stringify(builds)], { cwd: dir, env: { PATH: process.env.PATH!, HOME: dir }, timeout: 30_000 }, (error, out, err) =>
          error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
        ),
      );
      assert.deepEqual(JSON.parse(stdout), [
        { retired: [], preview: [], changed: true },
        { retired: ["old"], preview: ["old"], changed: true },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
